# srfleet_embed_file(TARGET_SOURCES_VAR INPUT SYMBOL)
# Turns a text file into a .cc that defines
#   std::string_view srfleet::embedded::SYMBOL();
# so binaries carry their data (e.g. the CRD) and need no files at run time.
function(srfleet_embed_file out_var input symbol)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded_${symbol}.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${out} -DSYMBOL=${symbol}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFileScript.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/EmbedFileScript.cmake
    COMMENT "embedding ${input}"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
