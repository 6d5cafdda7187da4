#!/usr/bin/env bash
# Makes TorchSharp 0.107's libLibTorchSharp.so load on Debian 12 (GCC 12's libstdc++, GLIBCXX up to 3.4.30).
# The library is built with GCC 13 and needs GLIBCXX_3.4.32 for one symbol only, std::ios_base_library_init(),
# which GCC 13 emits to initialise iostreams and which is a no-op for us (GCC 12's libstdc++ initialises them itself).
# For each library given:
#   1. mark its GLIBCXX_3.4.32 version need weak (VER_FLG_WEAK in .gnu.version_r), so a missing version is no error;
#   2. clear that symbol's version, so any library defining it unversioned satisfies it;
#   3. add a DT_NEEDED on libdsx-ios-base-init.so, a tiny library beside it that defines the symbol as a no-op
#      (found through the $ORIGIN runpath, added if the library lacks it).
# Idempotent: a library that already needs the shim is left alone. Patches a copy and renames it over the original,
# so a hard link into the NuGet cache is never written through.
set -euo pipefail

shim_name=libdsx-ios-base-init.so
symbol=_ZSt21ios_base_library_initv

command -v patchelf >/dev/null || { echo "patch-libtorchsharp: patchelf is not installed (./dsx setup installs it)" >&2; exit 1; }

# Sets VER_FLG_WEAK on every version need named $2 in ELF64 little-endian file $1.
mark_version_weak() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
path, wanted = sys.argv[1], sys.argv[2].encode()
with open(path, "r+b") as f:
    data = bytearray(f.read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a little-endian ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    marked = 0
    for _, sh_type, _, _, offset, _, link, info, _, _ in sections:
        if sh_type != 0x6FFFFFFE:  # SHT_GNU_verneed
            continue
        strtab = sections[link][4]
        need = offset
        for _ in range(info):
            _, count, _, aux, next_need = struct.unpack_from("<HHIII", data, need)
            entry = need + aux
            for _ in range(count):
                _, flags, _, name, next_aux = struct.unpack_from("<IHHII", data, entry)
                end = data.index(0, strtab + name)
                if bytes(data[strtab + name:end]) == wanted:
                    struct.pack_into("<H", data, entry + 4, flags | 2)  # VER_FLG_WEAK
                    marked += 1
                entry += next_aux
            need += next_need
    f.seek(0)
    f.write(data)
PY
}

# Only where needed: a system whose libstdc++ already has GLIBCXX_3.4.32 (GCC 13 or later) loads the library as shipped.
system_libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ { print $NF; exit }')
needed=1
if [[ -n $system_libstdcxx ]] && grep -qa GLIBCXX_3.4.32 "$system_libstdcxx"; then
  needed=0
fi

for library in "$@"; do
  directory=$(dirname "$library")
  # The shim is always built: the build copies it beside the library either way, and it is harmless unneeded.
  if [[ ! -f $directory/$shim_name ]]; then
    printf 'namespace std { void ios_base_library_init() {} }\n' |
      g++ -x c++ -shared -fPIC -O2 -o "$directory/$shim_name.tmp" - && mv "$directory/$shim_name.tmp" "$directory/$shim_name"
  fi
  # Whole outputs first: `cmd | grep -q` fails under pipefail when grep stops reading early.
  needs=$(patchelf --print-needed "$library")
  symbols=$(readelf --dyn-syms -W "$library")
  if [[ $needed == 0 ]] || grep -qx "$shim_name" <<<"$needs"; then
    continue
  fi
  if ! grep -q "$symbol@GLIBCXX_3.4.32" <<<"$symbols"; then
    continue  # a build that does not need the symbol (another TorchSharp version): nothing to do
  fi

  work="$library.patching"
  cp "$library" "$work"
  mark_version_weak "$work" GLIBCXX_3.4.32
  patchelf --clear-symbol-version "$symbol" "$work"
  patchelf --add-needed "$shim_name" "$work"
  # shellcheck disable=SC2016  # $ORIGIN is for the loader, not the shell
  patchelf --print-rpath "$work" | tr ':' '\n' | grep -qE '^\$ORIGIN/?$' || patchelf --add-rpath '$ORIGIN' "$work"
  mv "$work" "$library"
  echo "patch-libtorchsharp: patched $library"
done
