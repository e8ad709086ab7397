// Tokens of DynamoDB expressions, and the "Syntax error; token: …, near: …" message built from them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace jobstream::dynamodb {

enum class TokenKind {
  kName,              // attribute_name, keyword or function name: [A-Za-z_][A-Za-z0-9_]*
  kNamePlaceholder,   // #name
  kValuePlaceholder,  // :value
  kNumber,            // digits (list indexes)
  kSymbol,            // = <> < <= > >= ( ) [ ] , . + -
  kInvalid,           // a character no token starts with, or a lone # or :
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;
  std::size_t offset = 0;
};

// All tokens of `text`, ending with one kEnd; lexing stops at the first kInvalid (then kEnd).
std::vector<Token> Tokenize(std::string_view text);

// True when `token` is a name equal to `keyword` ignoring case (keywords are case-insensitive).
bool IsKeyword(const Token& token, std::string_view keyword);

// DynamoDB's syntax error detail for tokens[at]: `Syntax error; token: "x", near: "a x b"`,
// near being the source from the previous token to the next one.
std::string SyntaxError(std::string_view text, const std::vector<Token>& tokens, std::size_t at);

}  // namespace jobstream::dynamodb
