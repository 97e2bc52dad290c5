# Backstream: multi-stage build. The first stage builds the distribution with Maven (bin/backstream, config/, lib/, as
# in target/backstream-<version>.tar.gz); the second runs it on a JRE as a non-root user, through its launcher, which
# turns the Vector API kernels on and maps the class-data archive recorded below.
# `docker compose up` builds it; by hand: docker build -t backstream:0.1.0 .
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY src ./src
COPY config ./config
RUN mvn -B -q package -DskipTests \
    && mkdir /dist \
    && tar -xzf target/backstream-*.tar.gz -C /dist --strip-components=1

FROM eclipse-temurin:17.0.15_6-jre
RUN useradd --system --uid 10001 --home-dir /app backstream \
    && mkdir -p /app/state \
    && chown backstream /app/state
WORKDIR /app
COPY --from=build /dist /app
# Class-data sharing: one run of the bundled XOR demo (embedded broker, ~15 s at build time) records the classes the
# application loads into lib/backstream.jsa; from then on bin/backstream maps them at every start, and every restart
# after a crash, instead of loading them.
RUN BACKSTREAM_OPTS=-XX:ArchiveClassesAtExit=/app/lib/backstream.jsa /app/bin/backstream demo --xor > /dev/null \
    && rm -rf /tmp/backstream-* /tmp/librocksdbjni*
USER backstream
ENV BACKSTREAM_STATE_DIR=/app/state
# bin/backstream's heap setting (its default, -Xmx1g, suits a laptop): three quarters of the container's memory
ENV BACKSTREAM_HEAP_OPTS="-XX:MaxRAMPercentage=75"
VOLUME ["/app/state"]
# GET /metrics (http.port); reachable from other containers only with BACKSTREAM_HTTP_BIND=0.0.0.0, as in docker-compose.yml
EXPOSE 8080
ENTRYPOINT ["/app/bin/backstream"]
CMD ["run", "--config", "/app/config/backstream.properties"]
