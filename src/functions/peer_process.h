// Who is on the other end of a loopback TCP connection: the Runtime API serves only the workers
// jobstream started, and a worker sends no credential (real runtimes send none), so the
// connection itself is traced to its process. See SECURITY.md ("The Lambda Runtime API").
#pragma once

#include <sys/types.h>

#include <boost/asio/ip/tcp.hpp>

namespace jobstream::functions {

// True when the peer of `socket` (a connection accepted on 127.0.0.1) is a socket held open by a
// process of process group `group`. Reads /proc/net/tcp for the peer socket's inode, then the
// descriptors of the group's processes (/proc/<pid>/fd). False on any doubt (not loopback, not
// found, a process that is not ours to inspect).
bool PeerIsInProcessGroup(const boost::asio::ip::tcp::socket& socket, pid_t group);

}  // namespace jobstream::functions
