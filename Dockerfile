# supportledger: one image for every process (web, worker, mail listener,
# migrations, backups); the command picks the process. See docs/operations.md.
# BASE_IMAGE: any Debian bookworm with python (3.11) and pip; the default is
# the official image. tests/ops/test_container_image.py builds a stand-in
# from Debian's packages (debootstrap) where no registry can be reached.
ARG BASE_IMAGE=python:3.11.11-slim-bookworm
FROM ${BASE_IMAGE}

# WeasyPrint's text layout and fonts (invoice PDFs); pg_dump/pg_restore for
# `supportledger backup` (the client must be at least the server's version:
# bookworm ships 15, the PostgreSQL of compose.yaml); gettext to compile the
# translation catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        postgresql-client gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/supportledger --uid 10001 supportledger \
    && mkdir -p /app /data \
    && chown supportledger:supportledger /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY supportledger ./supportledger
RUN pip install --no-cache-dir . \
    && cd "$(python -c 'import os, supportledger; print(os.path.dirname(supportledger.__file__))')" \
    && SUPPORTLEDGER_VAR_DIR=/tmp/build-var SECRET_KEY=build-only \
       supportledger compilemessages --verbosity 0 \
    && rm -rf /tmp/build-var /app/supportledger

USER supportledger
# Everything the processes write lives under /data (mount a volume):
# the var directory (static files, per-server run directories, backups)
# and the private files shared by every process.
ENV SUPPORTLEDGER_VAR_DIR=/data/var \
    PRIVATE_MEDIA_ROOT=/data/private \
    PYTHONUNBUFFERED=1
EXPOSE 8000 2525
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)" || exit 1
CMD ["supportledger", "serve", "--bind", "0.0.0.0:8000", "--workers", "3"]
