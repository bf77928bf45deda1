# Posta in a container: build with the official Swift image, run on slim Debian
# with only the runtime libraries. Data lives in the /var/lib/posta volume;
# mount your own configuration over /etc/posta to replace the default.
# The same toolchain line the project is developed and tested with (6.3).
FROM swift:6.3-bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
RUN swift build -c release --static-swift-stdlib --product posta \
    && install -D "$(swift build -c release --show-bin-path)/posta" /out/posta

FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libsqlite3-0 libstdc++6 ca-certificates libcap2-bin \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/posta --shell /usr/sbin/nologin posta \
    && install -d -o posta -g posta -m 0700 /var/lib/posta
COPY --from=build /out/posta /usr/local/bin/posta
# Bind the standard mail ports without running as root.
RUN setcap cap_net_bind_service=+ep /usr/local/bin/posta
COPY etc/docker/posta.conf /etc/posta/posta.conf
ENV POSTA_CONFIG=/etc/posta/posta.conf
USER posta
VOLUME ["/var/lib/posta"]
EXPOSE 25 465 587 110 995 143 993
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/posta"]
CMD ["serve"]
