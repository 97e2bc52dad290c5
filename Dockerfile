# Backstream: multi-stage build. The first stage builds the fat jar with Maven; the second runs it on a JRE as a
# non-root user. `docker compose up` builds it; by hand: docker build -t backstream:0.1.0 .
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY src ./src
COPY config ./config
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17.0.15_6-jre
RUN useradd --system --uid 10001 --home-dir /app backstream \
    && mkdir -p /app/state \
    && chown backstream /app/state
WORKDIR /app
COPY --from=build /src/target/backstream.jar /app/backstream.jar
COPY config /app/config
# Class-data sharing: one run of the bundled XOR demo (embedded broker, ~15 s at build time) records the classes the
# application loads; every start, and every restart after a crash, then maps them instead of loading them.
RUN java --add-modules jdk.incubator.vector -XX:ArchiveClassesAtExit=/app/backstream.jsa -jar /app/backstream.jar demo --xor > /dev/null \
    && rm -rf /tmp/backstream-* /tmp/librocksdbjni*
USER backstream
ENV BACKSTREAM_STATE_DIR=/app/state
VOLUME ["/app/state"]
# GET /metrics (http.port); reachable from other containers only with BACKSTREAM_HTTP_BIND=0.0.0.0, as in docker-compose.yml
EXPOSE 8080
# The Vector API module turns on the SIMD kernels; container-aware heap sizing.
ENTRYPOINT ["java", "--add-modules", "jdk.incubator.vector", "-XX:SharedArchiveFile=/app/backstream.jsa", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/backstream.jar"]
CMD ["run", "--config", "/app/config/backstream.properties"]
