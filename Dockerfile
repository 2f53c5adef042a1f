# One Gregor broker. Build: docker build -t gregor .   Run: docker run -p 9092:9092 gregor
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY index.ts ./
COPY protocol ./protocol
COPY storage ./storage
COPY replication ./replication
COPY coordinator ./coordinator
COPY broker ./broker
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
VOLUME /var/lib/gregor
EXPOSE 9092
ENTRYPOINT ["node", "--initial-old-space-size=64", "dist/broker/main.js", "broker", \
  "--override", "listeners=PLAINTEXT://0.0.0.0:9092", \
  "--override", "advertised.listeners=PLAINTEXT://localhost:9092", \
  "--override", "log.dirs=/var/lib/gregor"]
