# Cross toolchain for AArch64 Linux (Debian/Ubuntu: apt-get install g++-aarch64-linux-gnu qemu-user).
# Used by scripts/neon-tests.js:
#   cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# The test binary then runs under qemu-aarch64 (also registered as the crosscompiling emulator, so
# ctest --test-dir build/aarch64 works too).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(OCTET_AARCH64_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${OCTET_AARCH64_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${OCTET_AARCH64_TRIPLE}-g++)

# Headers and libraries come from the target sysroot only; programs (cmake's own tools) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${OCTET_AARCH64_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/${OCTET_AARCH64_TRIPLE})
