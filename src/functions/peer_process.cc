#include "functions/peer_process.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace jobstream::functions {
namespace {

// An IPv4 endpoint as /proc/net/tcp prints it: the address's 4 bytes read as a host-order
// integer, then the port, both in upper-case hex ("0100007F:1F90" for 127.0.0.1:8080).
std::string ProcNetAddress(const boost::asio::ip::tcp::endpoint& endpoint) {
  auto bytes = endpoint.address().to_v4().to_bytes();
  std::uint32_t raw = 0;
  static_assert(sizeof raw == sizeof bytes);
  std::memcpy(&raw, bytes.data(), sizeof raw);  // flawfinder: ignore (sizes equal, asserted above)
  return fmt::format("{:08X}:{:04X}", raw, endpoint.port());
}

// The inode of the socket whose local end is `local` and remote end `remote`, or empty.
std::string SocketInode(const std::string& local, const std::string& remote) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
    std::string_view rest = line;
    auto next_field = [&rest]() {
      auto start = rest.find_first_not_of(' ');
      if (start == std::string_view::npos) return std::string_view();
      rest.remove_prefix(start);
      auto end = rest.find(' ');
      std::string_view field = rest.substr(0, end);
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
      return field;
    };
    next_field();  // sl
    if (next_field() != local) continue;
    if (next_field() != remote) continue;
    for (int i = 0; i < 6; ++i) next_field();  // st, queues, timer, retransmits, uid, timeout
    std::string_view inode = next_field();
    // A closed connection in TIME_WAIT keeps its row without an inode, and on loopback the kernel
    // reuses such a pair of ports for a new connection (tcp_tw_reuse): look on for the live one.
    if (inode.empty() || inode == "0") continue;
    return std::string(inode);
  }
  return {};
}

// The process group of `pid` from /proc/<pid>/stat, or -1.
pid_t ProcessGroupOf(const std::filesystem::path& proc_dir) {
  std::ifstream stat(proc_dir / "stat");
  std::string text;
  std::getline(stat, text);
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so start after the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::string_view rest = std::string_view(text).substr(close + 1);
  for (int field = 0; field < 3; ++field) {
    auto start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) return -1;
    rest.remove_prefix(start);
    auto end = rest.find(' ');
    if (field == 2) {
      pid_t group = -1;
      std::string_view value = rest.substr(0, end);
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), group);
      return ec == std::errc() ? group : -1;
    }
    if (end == std::string_view::npos) return -1;
    rest.remove_prefix(end);
  }
  return -1;
}

bool HoldsSocket(const std::filesystem::path& proc_dir, const std::string& link) {
  std::error_code ec;
  for (std::filesystem::directory_iterator fd(proc_dir / "fd", ec), end; !ec && fd != end; fd.increment(ec)) {
    std::error_code link_ec;
    auto target = std::filesystem::read_symlink(fd->path(), link_ec);
    if (!link_ec && target.native() == link) return true;
  }
  return false;
}

}  // namespace

bool PeerIsInProcessGroup(const boost::asio::ip::tcp::socket& socket, pid_t group) {
  if (group <= 0) return false;
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec || !peer.address().is_v4() || !peer.address().is_loopback()) return false;
  auto local = socket.local_endpoint(ec);
  if (ec || !local.address().is_v4()) return false;
  // The peer's socket: its local end is our remote end.
  std::string inode = SocketInode(ProcNetAddress(peer), ProcNetAddress(local));
  if (inode.empty()) return false;
  const std::string link = "socket:[" + inode + "]";
  std::error_code dir_ec;
  for (std::filesystem::directory_iterator entry("/proc", dir_ec), end; !dir_ec && entry != end;
       entry.increment(dir_ec)) {
    const std::string name = entry->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ProcessGroupOf(entry->path()) != group) continue;
    if (HoldsSocket(entry->path(), link)) return true;
  }
  return false;
}

}  // namespace jobstream::functions
