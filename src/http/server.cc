#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <string>
#include <utility>

#include "http/date_header.h"
#include "http/request_id.h"
#include "http/response_serializer.h"
#include "http/session.h"

namespace jobstream::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// How long accepting pauses after an error that would otherwise repeat at once (out of fds).
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// What a refused connection's unread request may hold that is drained before the close.
constexpr std::size_t kMaxRefusalDrainBytes = std::size_t{64} * 1024;
constexpr std::string_view kTooManyConnections = "Too many connections";

bool OutOfDescriptors(const boost::system::error_code& ec) {
  return ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system;
}

// Answers 503 and closes, synchronously: the connection owns the only free descriptor, which the
// reserve takes back right after. A fresh socket's send buffer takes the few hundred bytes whole.
void RefuseNow(tcp::socket& socket) {
  Response response;
  response.status = 503;
  response.body = ErrorBody(kTooManyConnections);
  const RequestId request_id = RequestId::Generate();
  std::string wire;
  SerializeResponse(response, {.request_id = request_id.view(), .date = CurrentHttpDate(), .keep_alive = false}, wire);
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  net::write(socket, net::buffer(wire), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  // Closing with unread input sends a RST, which can destroy the 503 before the client reads it;
  // read what the client already sent (it usually sends its request right after connecting).
  std::array<char, 4096> sink{};
  std::size_t drained = 0;
  while (!ec && drained < kMaxRefusalDrainBytes) drained += socket.read_some(net::buffer(sink), ec);
  socket.close(ec);
}

}  // namespace

Server::Server(net::io_context& io, ServerLimits limits, RequestHandler& handler)
    : io_(io),
      limits_(limits),
      handler_(handler),
      registry_(std::make_shared<ConnectionRegistry>()),
      strand_(net::make_strand(io)),
      acceptor_(strand_),
      accept_retry_timer_(strand_),
      shutdown_timer_(strand_) {}

Server::~Server() {
  // Sessions can outlive the server (a held Respond); their last Remove must not call back here.
  registry_->CancelWhenEmpty();
  boost::system::error_code ec;
  acceptor_.close(ec);
}

Status Server::Listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  const auto address = net::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    // A name such as "localhost": resolving blocks, which is fine before the server runs.
    tcp::resolver resolver(io_);
    const auto results =
        resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return Status::InvalidArgument(fmt::format("cannot resolve listen host '{}': {}", host, ec.message()));
    }
    endpoint = results.begin()->endpoint();
  }

  const auto fail = [&](std::string_view step) {
    const std::string message =
        fmt::format("cannot {} {}:{}: {}", step, endpoint.address().to_string(), port, ec.message());
    boost::system::error_code ignored;
    acceptor_.close(ignored);  // so that a later Listen can retry
    return Status::IOError(message);
  };
  acceptor_.open(endpoint.protocol(), ec);  // flawfinder: ignore (a socket, not a file)
  if (ec) return fail("open a socket for");
  // Lets a restarted server bind while old connections sit in TIME_WAIT.
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("set SO_REUSEADDR on");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  // Only the synchronous accept of RefuseWithReserve uses this; async accepts never block anyway.
  acceptor_.non_blocking(true, ec);
  if (ec) return fail("set non-blocking mode on");
  return Status::Ok();
}

tcp::endpoint Server::local_endpoint() const {
  boost::system::error_code ec;
  const auto endpoint = acceptor_.local_endpoint(ec);
  return ec ? tcp::endpoint() : endpoint;
}

void Server::SetAcceptFilter(AcceptFilter filter, std::string refusal) {
  accept_filter_ = std::move(filter);
  refusal_ = std::move(refusal);
}

void Server::Start() {
  net::post(strand_, [this] { Accept(); });
}

std::size_t Server::active_connections() const { return registry_->size(); }

void Server::Accept() {
  if (shutting_down_ || !acceptor_.is_open()) return;
  // Each connection gets its own strand, so sessions run in parallel on a multi-threaded io.
  acceptor_.async_accept(net::make_strand(io_), beast::bind_front_handler(&Server::OnAccept, this));
}

void Server::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (shutting_down_ || ec == net::error::operation_aborted) return;
  if (ec) {
    spdlog::debug("http: accept: {}", ec.message());
    if (ec == net::error::connection_aborted) return Accept();
    if (OutOfDescriptors(ec) && RefuseWithReserve()) return Accept();
    // Out of descriptors or memory: retrying at once would spin on the same error.
    accept_retry_timer_.expires_after(kAcceptRetryDelay);
    accept_retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
      if (wait_ec) return;
      reserve_.Take();  // lost to another thread's open last time, perhaps free again now
      Accept();
    });
    return;
  }
  if (accept_filter_ && !accept_filter_(socket)) {
    // cppcheck-suppress accessMoved ; the filter only reads the socket, it is moved once, here
    std::make_shared<Session>(std::move(socket), limits_, handler_, nullptr)->Reject(403, refusal_);
    return Accept();
  }
  if (registry_->size() >= limits_.max_connections) {
    // Accepted anyway so the client gets a reason instead of a hanging connect.
    std::make_shared<Session>(std::move(socket), limits_, handler_, nullptr)->Reject();
  } else {
    auto session = std::make_shared<Session>(std::move(socket), limits_, handler_, registry_);
    registry_->Add(session);
    session->Start();
  }
  Accept();
}

bool Server::RefuseWithReserve() {
  // Without this, a connection past the descriptor limit waits in the listen backlog, unanswered,
  // until some other connection closes: a client sees a hang, not a reason.
  if (!reserve_.held()) return false;
  reserve_.Release();
  tcp::socket socket(io_);
  boost::system::error_code ec;
  acceptor_.accept(socket, ec);  // non-blocking: would_block if the connection went away meanwhile
  if (!ec) {
    spdlog::debug("http: out of file descriptors; refused a connection");
    RefuseNow(socket);
  }
  // Fails only if another thread took the freed descriptor: then accepting backs off instead.
  return reserve_.Take() && !ec;
}

void Server::Shutdown(std::chrono::milliseconds deadline, std::function<void()> done) {
  net::post(strand_, [this, deadline, done = std::move(done)]() mutable { BeginShutdown(deadline, std::move(done)); });
}

void Server::BeginShutdown(std::chrono::milliseconds deadline, std::function<void()> done) {
  if (done) done_callbacks_.push_back(std::move(done));
  if (shutting_down_) {
    // A second call joins the first one's deadline.
    if (shutdown_finished_) FinishShutdown();
    return;
  }
  shutting_down_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  accept_retry_timer_.cancel();
  const bool already_empty = registry_->CallWhenEmpty([this] { net::post(strand_, [this] { FinishShutdown(); }); });
  if (already_empty) return FinishShutdown();
  for (const auto& session : registry_->Snapshot()) session->Shutdown();
  shutdown_timer_.expires_after(deadline);
  shutdown_timer_.async_wait([this](boost::system::error_code wait_ec) { OnShutdownDeadline(wait_ec); });
}

void Server::OnShutdownDeadline(boost::system::error_code ec) {
  if (ec || shutdown_finished_) return;
  spdlog::debug("http: shutdown deadline passed; closing {} connections", registry_->size());
  // FinishShutdown follows from the registry's empty-callback once these have closed.
  for (const auto& session : registry_->Snapshot()) session->ForceClose();
}

void Server::FinishShutdown() {
  shutdown_finished_ = true;
  shutdown_timer_.cancel();
  auto callbacks = std::exchange(done_callbacks_, {});
  for (auto& callback : callbacks) callback();
}

}  // namespace jobstream::http
