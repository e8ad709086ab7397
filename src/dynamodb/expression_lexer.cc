#include "dynamodb/expression_lexer.h"

#include <cctype>

namespace jobstream::dynamodb {
namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool IsWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t pos = 0;
  while (true) {
    while (pos < text.size() && IsSpace(text[pos])) ++pos;
    if (pos >= text.size()) break;
    const std::size_t start = pos;
    const char c = text[pos];
    TokenKind kind = TokenKind::kSymbol;
    if (IsWordStart(c)) {
      kind = TokenKind::kName;
      while (pos < text.size() && IsWordChar(text[pos])) ++pos;
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      kind = TokenKind::kNumber;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) ++pos;
    } else if (c == '#' || c == ':') {
      ++pos;
      while (pos < text.size() && IsWordChar(text[pos])) ++pos;
      kind = pos - start == 1 ? TokenKind::kInvalid
                              : (c == '#' ? TokenKind::kNamePlaceholder : TokenKind::kValuePlaceholder);
    } else if ((c == '<' || c == '>') && pos + 1 < text.size() &&
               (text[pos + 1] == '=' || (c == '<' && text[pos + 1] == '>'))) {
      pos += 2;
    } else if (std::string_view("=<>()[],.+-").find(c) != std::string_view::npos) {
      ++pos;
    } else {
      kind = TokenKind::kInvalid;
      // One UTF-8 character, not one byte, so the message quotes it whole.
      ++pos;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0U) == 0x80U) ++pos;
    }
    tokens.push_back({kind, text.substr(start, pos - start), start});
    if (kind == TokenKind::kInvalid) break;
  }
  tokens.push_back({TokenKind::kEnd, {}, text.size()});
  return tokens;
}

bool IsKeyword(const Token& token, std::string_view keyword) {
  if (token.kind != TokenKind::kName || token.text.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < keyword.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(token.text[i])) != keyword[i]) return false;
  }
  return true;
}

std::string SyntaxError(std::string_view text, const std::vector<Token>& tokens, std::size_t at) {
  const Token& token = tokens[at];
  const std::string shown = token.kind == TokenKind::kEnd ? "<EOF>" : std::string(token.text);
  const std::size_t from = at > 0 ? tokens[at - 1].offset : token.offset;
  std::size_t to = token.offset + token.text.size();
  if (token.kind != TokenKind::kEnd && at + 1 < tokens.size()) {
    to = tokens[at + 1].offset + tokens[at + 1].text.size();
  }
  return "Syntax error; token: \"" + shown + "\", near: \"" + std::string(text.substr(from, to - from)) + "\"";
}

}  // namespace jobstream::dynamodb
