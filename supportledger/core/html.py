"""HTML that came from outside (a mail body, a message posted with HTML),
made safe to show."""

from __future__ import annotations

import nh3

# Tags kept in displayed HTML: nh3's defaults without images, so a message
# cannot load remote content (tracking pixels) when staff open it.
DISPLAY_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
DISPLAY_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitise_html(value: str) -> str:
    """HTML safe to show staff and customers: no scripts, no event handlers,
    no styles, no images or other remote content, links only to http(s) and
    mailto and with ``rel="noopener noreferrer"``."""
    return nh3.clean(
        value,
        tags=set(DISPLAY_TAGS),
        url_schemes=set(DISPLAY_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
