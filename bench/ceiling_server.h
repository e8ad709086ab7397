// The bare HTTP ceiling: a trivial Beast server inside the bench process, on one thread of its
// own, answering every request with 200 `{}` on a kept-alive connection. Loading it with the very
// same client (signing included) shows what the machine and the client allow before jobstream
// does any work.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <thread>

#include "common/result.h"

namespace jobstream::bench {

class CeilingServer {
 public:
  // Listens on 127.0.0.1 (a free port) and serves on a thread of its own until destroyed.
  static Result<std::unique_ptr<CeilingServer>> Start();
  ~CeilingServer();
  CeilingServer(const CeilingServer&) = delete;
  CeilingServer& operator=(const CeilingServer&) = delete;

  boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }

 private:
  CeilingServer() = default;
  void Accept();

  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  boost::asio::ip::tcp::endpoint endpoint_;
  std::thread thread_;
};

}  // namespace jobstream::bench
