# The Cortex-M4 image's choices, read by the root CMakeLists.txt before any target.
# The built-in public roots (firmware/CMakeLists.txt) do not fit its flash budget:
# Debian's 148 roots take 50,333 bytes in their compact form (the keys alone are
# 47,680: RSA moduli and EC points do not compress) and the image without them
# is 366,572 of the 409,600 bytes (with them: 416,905). Until the budget or the board changes, this
# image is built without them and judges trust by trust_anchors_pem alone (it says
# so at start-up: "public roots: 0 from mps2-an386: not built in ...").
set(PROBEBOX_BOARD_PUBLIC_ROOTS none)
