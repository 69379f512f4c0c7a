def test_start_page_is_served_and_links_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/admin/"' in response.content


def test_start_page_refuses_a_post(client):
    assert client.post("/").status_code == 405
