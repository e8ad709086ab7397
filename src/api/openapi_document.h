// The API's OpenAPI 3.1 description, served at GET /openapi.json. Its one source is
// docs/openapi.json: the build compiles the file's bytes in (cmake/EmbedFile.cmake generates this
// function's definition), and tests/integration/test_openapi.py checks it against the server.
#pragma once

#include <string_view>

namespace jobstream::api {

// docs/openapi.json byte for byte, as of the build. Static storage; thread-safe.
std::string_view OpenApiDocument();

}  // namespace jobstream::api
