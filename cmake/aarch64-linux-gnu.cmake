# CMake toolchain file: cross-builds goro for AArch64 Linux with Debian's cross compiler
# (g++-aarch64-linux-gnu). Libraries (libunwind, libdw, gtest) come from Debian multiarch
# packages (dpkg --add-architecture arm64; libunwind-dev:arm64 libdw-dev:arm64 libgtest-dev:arm64),
# which install into /usr/lib/aarch64-linux-gnu where the cross compiler already looks.
# Run the results with qemu-aarch64 (scripts/check-aarch64.sh --full does all of this).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)

# Find target libraries and headers in the cross/multiarch locations, programs on the host.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config must only see the arm64 .pc files.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# Test executables (gtest_discover_tests, CTest) run under user-mode emulation. The guest's
# LD_LIBRARY_PATH pins libc to the cross one that matches the cross ld.so: otherwise ld.so finds
# the multiarch libc6:arm64 (a different build) through the host's ld.so.cache, and the mix
# hangs in the first pthread_create.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu
    -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)
