# Invoked by srfleet_embed_file at build time. Splits the content into chunks so
# no single string literal grows past what compilers handle comfortably.
file(READ ${INPUT} content HEX)
string(LENGTH "${content}" hex_len)
set(body "")
set(i 0)
while(i LESS hex_len)
  string(SUBSTRING "${content}" ${i} 4096 chunk)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," chunk "${chunk}")
  string(APPEND body "${chunk}\n")
  math(EXPR i "${i} + 4096")
endwhile()
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace srfleet::embedded {\nnamespace { constexpr char kData[] = {\n${body}0};\n}\nstd::string_view ${SYMBOL}() { return std::string_view(kData, sizeof(kData) - 1); }\n}  // namespace srfleet::embedded\n")
