# One image for the four services and the admin CLI; docker-compose.yml picks the process with
# `command` (`nameko run ... <name>.service`, `titles migrate <name>`, ...).
#
# No `# syntax=` line: it would make every build fetch a frontend image from Docker Hub. The
# engine's own Dockerfile frontend (BuildKit, Docker 20.10 and later) reads this file.
#
# Build arguments (docker-compose.yml passes them from .env):
#   PYTHON_IMAGE   the base of both stages: the official image by default, or the same image from
#                  a mirror or private registry (no registry is contacted for anything else)
#   PIP_INDEX_URL  a PyPI mirror, if PyPI is not reachable
#   TITLES_VERSION the version the image is labelled and tagged with (pyproject.toml's)
# Build secret `ca_bundle` (optional): extra CA certificates (PEM) for a TLS-intercepting proxy,
# added to the base image's own for pip and apt; it never lands in a layer.

# Both stages on the same Debian release, so what the builder resolves is what runs.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# --- builder: wheels of the project and of every dependency, pinned by the lock ------------------
FROM ${PYTHON_IMAGE} AS builder
ARG PIP_INDEX_URL=
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# The dependencies first, in a layer of their own: it is rebuilt only when pyproject.toml or the
# lock changes, not on every change of the code.
COPY pyproject.toml constraints.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=ca_bundle \
    --mount=type=bind,source=deploy/build/with-ca.sh,target=/usr/local/bin/with-ca \
    python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
      >/tmp/requirements.txt \
 && with-ca pip wheel -q --wheel-dir /wheels/deps -c constraints.txt -r /tmp/requirements.txt \
      ${PIP_INDEX_URL:+--index-url "$PIP_INDEX_URL"}
COPY contracts/ contracts/
COPY plumbing/ plumbing/
COPY services/ services/
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=ca_bundle \
    --mount=type=bind,source=deploy/build/with-ca.sh,target=/usr/local/bin/with-ca \
    with-ca pip wheel -q --no-deps --wheel-dir /wheels/app \
      ${PIP_INDEX_URL:+--index-url "$PIP_INDEX_URL"} .

# What the processes read from the working directory rather than from their packages: each
# service's nameko config, its alembic environment, the season rules and the sample data.
COPY seasons/ /app/seasons/
COPY deploy/sample/ /app/deploy/sample/
RUN set -eu; for dir in services/*/; do \
      svc="$(basename "$dir")"; mkdir -p "/app/services/$svc"; \
      cp -r "${dir}config.yml" "${dir}alembic.ini" "${dir}migrations" "/app/services/$svc/"; \
    done

# --- runtime ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG TITLES_VERSION=0.0.0
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
LABEL org.opencontainers.image.title="titles" \
      org.opencontainers.image.version="${TITLES_VERSION}" \
      org.opencontainers.image.description="职称评审: intake, review, documents, notify and the titles CLI"

# documents renders Chinese PDFs: a CJK font for reportlab, poppler for page rasterising;
# `titles backup` runs pg_dump and pg_restore: the client of the same major as the server
# (PostgreSQL 15, Debian bookworm's; docker-compose.yml's POSTGRES_IMAGE); libturbojpeg0
# turns EXIF-rotated photos losslessly (PyTurboJPEG loads it; documents/turns.py).
RUN --mount=type=secret,id=ca_bundle \
    --mount=type=bind,source=deploy/build/with-ca.sh,target=/usr/local/bin/with-ca \
    with-ca sh -c 'apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      fonts-wqy-microhei poppler-utils libturbojpeg0 postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*'

# Installed from the builder's wheels only (--no-index): nothing is resolved twice. The
# dependencies in their own layer, which a change of the code leaves cached.
RUN --mount=type=bind,from=builder,source=/wheels/deps,target=/wheels/deps \
    pip install -q --no-cache-dir --no-index /wheels/deps/*.whl
RUN --mount=type=bind,from=builder,source=/wheels/app,target=/wheels/app \
    pip install -q --no-cache-dir --no-index --no-deps /wheels/app/*.whl

RUN groupadd --system --gid 10001 titles \
 && useradd --system --uid 10001 --gid titles --create-home --home-dir /home/titles \
            --shell /usr/sbin/nologin titles

# Owned by root and read-only to the service user: the code cannot rewrite its own config.
WORKDIR /app
COPY --from=builder /app /app
# Installed from a wheel, plumbing cannot find the checkout it came from: point it at /app
# (TITLES_ROOT: alembic.ini and migrations; <SERVICE>_CONFIG: each service's config.yml).
ENV TITLES_ROOT=/app \
    TITLES_VERSION=${TITLES_VERSION} \
    INTAKE_CONFIG=/app/services/intake/config.yml \
    REVIEW_CONFIG=/app/services/review/config.yml \
    DOCUMENTS_CONFIG=/app/services/documents/config.yml \
    NOTIFY_CONFIG=/app/services/notify/config.yml

# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
# Every process starts through the settings check (plumbing/settings.py): secrets read from their
# *_FILE, and under TITLES_ENV=production unsafe values refused before anything runs.
ENTRYPOINT ["python", "-m", "plumbing.settings"]
CMD ["titles", "--help"]
