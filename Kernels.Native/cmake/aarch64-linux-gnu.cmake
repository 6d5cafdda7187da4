# Cross-compiles for aarch64 with Debian's g++-aarch64-linux-gnu; arm64 libraries come from the private
# sysroot made by scripts/make-arm64-sysroot.sh. Tests run under qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

get_filename_component(_native_dir "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(DSX_SYSROOT "${_native_dir}/build/sysroot-arm64" CACHE PATH "extracted arm64 Debian packages")
set(DSX_QEMU_CPU "cortex-a72" CACHE STRING "CPU model qemu-aarch64 emulates for tests")
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-cpu;${DSX_QEMU_CPU};-L;/usr/aarch64-linux-gnu)

set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu ${DSX_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
