// The -f inputs of render and apply.
#pragma once

#include <iosfwd>
#include <string>

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/model/semantic_router.h"

namespace srfleet::cli {

// Reads `file` ("-" is standard input) into `content`. On failure writes
// "error: cannot read FILE: ..." to `err` and returns false (exit kIoError).
bool ReadInputFile(const std::string& file, std::string* content, std::ostream& err);

// model::ParseSemanticRouters, with any exception from odd input (e.g. a
// non-string `kind`, which nlohmann's value() throws on) turned into
// InvalidArgument: the CLI must not abort on a bad file.
absl::StatusOr<model::ParsedDocuments> ParseRouterDocuments(const std::string& text,
                                                            const model::ParseOptions& options);

// "Secret creds" for a document that is not a SemanticRouter, for the
// "skipping ..." notes. Never throws, whatever the document holds.
std::string DescribeOtherDocument(const Json& doc);

}  // namespace srfleet::cli
