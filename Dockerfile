# syntax=docker/dockerfile:1
# One image for the four services and the admin CLI; docker-compose.yml picks the process with
# `command` (`nameko run ... <name>.service`, `titles migrate <name>`, ...).

# Both stages on the same Debian release, so what the builder resolves is what runs.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: wheels of the project and of every dependency, pinned by the lock ------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml constraints.txt ./
COPY contracts/ contracts/
COPY plumbing/ plumbing/
COPY services/ services/
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels -c constraints.txt .

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
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# documents renders Chinese PDFs: a CJK font for reportlab, poppler for page rasterising;
# jpegtran (libjpeg-turbo-progs) turns EXIF-rotated photos losslessly.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei poppler-utils libjpeg-turbo-progs \
 && rm -rf /var/lib/apt/lists/*

# Installed from the builder's wheels only (--no-index): nothing is resolved twice.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels titles

RUN groupadd --system --gid 10001 titles \
 && useradd --system --uid 10001 --gid titles --create-home --home-dir /home/titles \
            --shell /usr/sbin/nologin titles

# Owned by root and read-only to the service user: the code cannot rewrite its own config.
WORKDIR /app
COPY --from=builder /app /app
# Installed from a wheel, plumbing cannot find the checkout it came from: point it at /app
# (TITLES_ROOT: alembic.ini and migrations; <SERVICE>_CONFIG: each service's config.yml).
ENV TITLES_ROOT=/app \
    INTAKE_CONFIG=/app/services/intake/config.yml \
    REVIEW_CONFIG=/app/services/review/config.yml \
    DOCUMENTS_CONFIG=/app/services/documents/config.yml \
    NOTIFY_CONFIG=/app/services/notify/config.yml

# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
CMD ["titles", "--help"]
