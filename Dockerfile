# trustledger's Python services (api, worker, beat, indexer, deploy): one image, one
# entrypoint (`trustledger`), the command picks the service.
#
# Stage "build" installs the pinned dependencies and compiles the contracts with
# solc-js, which needs Node; the runtime stage gets the compiled artifacts and no
# Node at all. `trustledger deploy` then finds a compile cache whose source hash
# matches the sources in the image and never starts the compiler. (Rejected: Node in
# the runtime image so deploy compiles itself; that adds ~150 MB and a toolchain to
# every service for a one-shot job, and artifacts built at image time are the ones
# that get tested.)

FROM node:20.18.1-bookworm-slim AS node

FROM python:3.11.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /srv/trustledger
# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY pyproject.toml ./
COPY contracts ./contracts
COPY backend ./backend
COPY indexer ./indexer
# Editable install: the contracts package reads its .sol sources next to itself, and
# /srv/trustledger is the same path in the runtime stage.
RUN pip install --no-deps -e . \
 && python -c "from contracts import compile_contracts; compile_contracts()"
# What the runtime needs from this tree: sources, compiled artifacts, and the
# OpenZeppelin package.json (its version is part of the compile cache key).
RUN mkdir -p /stage/node_modules/@openzeppelin/contracts \
 && cp -a pyproject.toml contracts backend indexer build /stage/ \
 && cp node_modules/@openzeppelin/contracts/package.json /stage/node_modules/@openzeppelin/contracts/

FROM python:3.11.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 trustledger \
 && useradd --system --uid 10001 --gid trustledger --home-dir /srv/trustledger --shell /usr/sbin/nologin trustledger
WORKDIR /srv/trustledger
COPY --from=build /opt/venv /opt/venv
COPY --from=build /stage ./
# The code stays root-owned; the service user writes only data/ (the deployment
# manifest, a volume shared by deploy and the services) and build/ (compile lock).
RUN mkdir -p data && chown -R trustledger:trustledger data build
USER trustledger
ENTRYPOINT ["trustledger"]
CMD ["--help"]
