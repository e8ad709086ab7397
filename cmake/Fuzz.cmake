# libFuzzer targets: one executable per fuzz/<name>_fuzz.cc, all built by the `fuzz` target.
# Needs -DJOBSTREAM_FUZZ=ON and clang (cmake/Sanitizers.cmake adds ASan, UBSan and libFuzzer's
# coverage instrumentation to every object). Seed corpora: fuzz/corpus/<name>/; scripts/fuzz
# builds and runs them.
if(NOT JOBSTREAM_FUZZ)
  return()
endif()

# The targets link only the parts of jobstream they reach, not all of jobstream_core: the store,
# the consumers, the server's acceptor and the CLI are the slowest to compile and no target needs
# them, and CI builds this directory from scratch. A new target that needs another source adds it
# here (the linker names what is missing).
set(JOBSTREAM_FUZZ_CORE_SOURCES
  src/api/exact_json_parser.cc src/api/job_parameters.cc src/api/request_model.cc
  src/auth/signing_key_cache.cc src/auth/sigv4_canonical.cc src/auth/sigv4_claim.cc src/auth/sigv4_crypto.cc
  src/auth/key_last_use.cc src/auth/secret_key_file.cc src/auth/sigv4_signer.cc src/auth/sigv4_time.cc src/auth/sigv4_verifier.cc
  src/aws_query/query_protocol.cc
  src/common/aws_account.cc src/common/clock.cc src/common/json_text.cc src/common/pretty_json.cc src/common/private_file.cc
  src/common/json_schema.cc src/common/json_schema_validator.cc src/common/uuid.cc
  src/config/serve_config.cc src/config/toml_loader.cc
  src/consumers/consumer_config.cc
  src/destinations/event_bus_config.cc src/destinations/invocation_record.cc src/destinations/topic.cc
  src/dynamodb/attribute_value.cc src/dynamodb/condition_expression.cc src/dynamodb/document_path.cc
  src/dynamodb/expression_attributes.cc src/dynamodb/expression_lexer.cc src/dynamodb/expression_parser.cc
  src/dynamodb/item_writes.cc src/dynamodb/json_protocol.cc src/dynamodb/number.cc src/dynamodb/projection.cc
  src/dynamodb/reserved_words.cc src/dynamodb/shard_id.cc src/dynamodb/shard_iterator.cc
  src/dynamodb/streams_api.cc src/dynamodb/table_reads.cc src/dynamodb/table_request.cc
  src/dynamodb/update_expression.cc
  src/functions/function_config.cc
  src/http/connection_registry.cc src/http/date_header.cc src/http/error_body.cc src/http/host_header.cc
  src/http/message_framing.cc src/http/request_id.cc src/http/response_serializer.cc src/http/session.cc
  src/http/valid_utf8.cc
  src/iam/policy.cc src/iam/wildcard.cc
  src/store/item_write.cc src/store/job.cc
  src/stream/dynamo_json.cc src/stream/filter_pattern.cc src/stream/record_encoder.cc src/stream/stream_record.cc)
list(TRANSFORM JOBSTREAM_FUZZ_CORE_SOURCES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/)
add_library(jobstream_fuzz_core STATIC ${JOBSTREAM_FUZZ_CORE_SOURCES})
target_include_directories(jobstream_fuzz_core PUBLIC src)
target_compile_definitions(jobstream_fuzz_core PUBLIC BOOST_ASIO_NO_DEPRECATED JOBSTREAM_VERSION="${PROJECT_VERSION}")
target_link_libraries(jobstream_fuzz_core PUBLIC
  Boost::headers Boost::json Boost::url OpenSSL::SSL OpenSSL::Crypto fmt::fmt spdlog::spdlog
  PkgConfig::TOMLPLUSPLUS Threads::Threads)

file(GLOB JOBSTREAM_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/*_fuzz.cc)
add_custom_target(fuzz)
foreach(source IN LISTS JOBSTREAM_FUZZ_SOURCES)
  get_filename_component(name "${source}" NAME_WE)
  add_executable(${name} "${source}")
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
  target_link_libraries(${name} PRIVATE jobstream_fuzz_core)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/fuzz)
  add_dependencies(fuzz ${name})
endforeach()
