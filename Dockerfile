# The berth image: runs `berth migrate apply` in init containers (apps using berth's migration
# runner) and, as later features land, scheduled backups and the admin page. It cannot be built on
# the development machines (no Docker engine there); the code inside it is tested on the host.
#
#   docker build -t ghcr.io/<you>/berth:$(node -p 'require("./package.json").version') .
#   then set cluster.berthImage in berth.config.ts.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim
# pg_dump/pg_restore for backups; they must be at least the server's major version.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/berth
COPY --from=build /src/package.json ./
# The bundle carries its dependencies; no node_modules needed at run time.
COPY --from=build /src/dist ./dist
COPY bin ./bin
RUN ln -s /opt/berth/bin/berth.js /usr/local/bin/berth
USER node
ENTRYPOINT ["berth"]
CMD ["--help"]
