# The berth image: runs `berth migrate apply` in init containers (apps using berth's migration
# runner) and, as later features land, scheduled backups and the admin page.
#
#   docker build -t ghcr.io/<you>/berth:$(node -p 'require("./package.json").version') .
#   then set cluster.berthImage in berth.config.ts.
#
# Here (no Docker engine, no registry) `npm run image -- build` builds this same file with podman
# from a locally made node base; the integration tests run berth inside the result.
#
# pg_dump refuses servers of a newer major version, so the Debian suite decides which servers the
# backups can dump: bookworm ships postgresql-client 15, trixie 17 (--build-arg DEBIAN_SUITE=trixie).
ARG DEBIAN_SUITE=bookworm

FROM node:24-${DEBIAN_SUITE}-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build -- --no-types

FROM node:24-${DEBIAN_SUITE}-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/berth
COPY --from=build /src/package.json ./
# The bundle carries its dependencies; no node_modules needed at run time.
COPY --from=build /src/dist ./dist
COPY bin ./bin
RUN ln -s /opt/berth/bin/berth.js /usr/local/bin/berth
# The node user, by number: a pod with runAsNonRoot can only verify a numeric USER.
USER 1000:1000
ENTRYPOINT ["berth"]
CMD ["--help"]
