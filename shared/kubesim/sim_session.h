// One accepted connection of SimServer (internal; includes Asio, so only the
// server's .cc files include it).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "shared/kubesim/sim_support.h"

namespace srfleet::kubesim::sim {

// Serve `socket` (whose executor is its own strand) until the peer leaves,
// Drop() or the server stops. The session keeps itself alive through its
// pending asynchronous operations.
void StartPlainSession(ServerContext& server, boost::asio::ip::tcp::socket socket);
void StartTlsSession(ServerContext& server, boost::asio::ip::tcp::socket socket,
                     boost::asio::ssl::context& tls);

}  // namespace srfleet::kubesim::sim
