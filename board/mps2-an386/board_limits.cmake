# The Cortex-M4 image's choices, read by the root CMakeLists.txt before any target.
# The built-in public roots (firmware/CMakeLists.txt): Debian's, as on every board
# (50,333 bytes of flash in their compact form, within the 1 MiB budget).
