#include "common/json_text.h"

#include <array>
#include <boost/json/serializer.hpp>
#include <charconv>

namespace jobstream {

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t clean_from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(clean_from, i - clean_from));
    clean_from = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\f':
        out.push_back('f');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\r':
        out.push_back('r');
        break;
      case '\t':
        out.push_back('t');
        break;
      default:
        out.append("u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(text.substr(clean_from));
  out.push_back('"');
}

void AppendJsonValue(std::string& out, const boost::json::value& value) {
  boost::json::serializer serializer;
  serializer.reset(&value);
  std::array<char, 1024> buffer;
  while (!serializer.done()) out.append(serializer.read(buffer.data(), buffer.size()));
}

void AppendJsonNumber(std::string& out, std::int64_t number) {
  std::array<char, 24> digits;
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), number);
  out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
}

void AppendFixedDigits(std::string& out, std::uint64_t value, int width) {
  std::size_t end = out.size() + static_cast<std::size_t>(width);
  out.resize(end);
  for (std::size_t i = end; i-- > end - static_cast<std::size_t>(width);) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace jobstream
