#!/usr/bin/env bash
# A Debian base image for the stand-ins, from Debian's own packages: debootstrap (minbase) into a
# tarball cached under $TITLES_CI_CACHE, then `docker import`. No registry is needed.
#
#   base.sh bookworm titles-standin/debian:bookworm
set -euo pipefail
release="${1:?release, e.g. bookworm}"
tag="${2:?image tag}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
cache="${TITLES_CI_CACHE:-/var/cache/titles-ci}"
tarball="$cache/$release-minbase.tar"

if docker image inspect "$tag" >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$cache"
if [ ! -s "$tarball" ]; then
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase "$release" "$root" "$mirror" >"$cache/debootstrap-$release.log" 2>&1 \
    || { tail -20 "$cache/debootstrap-$release.log"; exit 1; }
  # What debootstrap leaves behind and an image does not need: the downloaded packages and lists.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$release" "$mirror" "$release" \
    >"$root/etc/apt/sources.list"
  tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
fi
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["bash"]' \
  "$tarball" "$tag" >/dev/null
