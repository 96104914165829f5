#include "p2p/peer_set.h"

#include <algorithm>

namespace vest::p2p {

using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// A connection that stays open this long resets its peer's redial back-off. Counting a
// completed handshake as success instead would let a peer that accepts and drops us at once
// be redialled every redial_min forever.
constexpr std::chrono::seconds kStableConnection{10};

// Bans beyond this many push out the one that ends first: a peer can make new node keys at
// will, and each one it gets banned must not cost memory for good.
constexpr size_t kMaxBans = 1024;

// Breaking the wire protocol after the handshake: the peer's fault, and its id is known.
bool is_violation(Error e) {
  switch (e) {
    case Error::kFrameTooLarge:
    case Error::kMessageTooLarge:
    case Error::kUnknownType:
    case Error::kUnexpectedType:
    case Error::kBadTag:
    case Error::kMalformed:
      return true;
    default:
      return false;
  }
}

// A handshake refused for what the peer is (another chain, genesis or version, another
// node than the one dialled): a configuration an operator should hear about. Other failures
// before the handshake (garbage, timeouts, failed dials) would let anyone fill the log.
bool is_refusal(Error e) {
  switch (e) {
    case Error::kWrongVersion:
    case Error::kWrongChain:
    case Error::kWrongGenesis:
    case Error::kWrongNodeId:
    case Error::kSelf:
      return true;
    default:
      return false;
  }
}

std::string host_port(const std::string& host, uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string endpoint_string(const tcp::endpoint& e) { return host_port(e.address().to_string(), e.port()); }

std::string address_of(const Connection& c) {
  return c.remote_endpoint() ? endpoint_string(*c.remote_endpoint()) : "unknown address";
}

std::string direction_name(Direction d) { return d == Direction::kInbound ? "inbound" : "outbound"; }

// "0123…ef (inbound, 127.0.0.1:40000)"; strand only, after on_open.
std::string describe(const Connection& c) {
  return to_string(c.peer().id) + " (" + direction_name(c.direction()) + ", " + address_of(c) + ")";
}

std::string duration_string(milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

std::string PeerAddress::to_string() const { return p2p::to_string(id) + "@" + host_port(host, port); }

std::optional<PeerAddress> parse_peer_address(std::string_view text, std::string& error) {
  const std::string form = "expected NODEID@HOST:PORT, got \"" + std::string(text) + "\"";
  size_t at = text.find('@');
  if (at == std::string_view::npos) {
    error = form;
    return std::nullopt;
  }
  PeerAddress out;
  auto id = parse_node_id(text.substr(0, at));
  if (!id) {
    error = "not a node id (40 hex digits): \"" + std::string(text.substr(0, at)) + "\"";
    return std::nullopt;
  }
  out.id = *id;

  std::string_view rest = text.substr(at + 1), host, port;
  error_code ec;
  if (rest.starts_with('[')) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 == rest.size() || rest[close + 1] != ':') {
      error = form;
      return std::nullopt;
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
    (void)asio::ip::make_address_v6(std::string(host), ec);
  } else {
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      error = form;
      return std::nullopt;
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      error = "not an IP address (an IPv6 address goes in brackets): \"" + std::string(host) + "\"";
      return std::nullopt;
    }
    (void)asio::ip::make_address_v4(std::string(host), ec);
  }
  if (ec) {
    error = "not an IP address: \"" + std::string(host) + "\"";
    return std::nullopt;
  }
  out.host = std::string(host);

  uint32_t value = 0;
  bool digits = !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  for (char c : port) value = digits ? value * 10 + static_cast<uint32_t>(c - '0') : 0;
  if (!digits || value < 1 || value > 65535) {
    error = "bad port (1 to 65535): \"" + std::string(port) + "\"";
    return std::nullopt;
  }
  out.port = static_cast<uint16_t>(value);
  return out;
}

std::shared_ptr<PeerSet> PeerSet::create(asio::io_context& io, LocalIdentity local, PeerSetOptions options,
                                         PeerSetHandlers handlers) {
  return std::shared_ptr<PeerSet>(new PeerSet(io, local, std::move(options), std::move(handlers)));
}

PeerSet::PeerSet(asio::io_context& io, LocalIdentity local, PeerSetOptions options, PeerSetHandlers handlers)
    : executor_(io.get_executor()), local_(local), options_(std::move(options)), handlers_(std::move(handlers)) {}

PeerSet::~PeerSet() { stop(); }

bool PeerSet::start(std::string& error) {
  Later later;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      error = "the peer set was stopped";
      return false;
    }
    if (started_) return true;
    started_ = true;
    if (options_.listen) {
      std::weak_ptr<PeerSet> weak = weak_from_this();
      error_code ec;
      listener_ = Listener::open(
          executor_, *options_.listen,
          [weak](tcp::socket s) {
            if (auto self = weak.lock()) self->on_socket(std::move(s));
          },
          ec);
      if (!listener_) {
        error = "cannot listen on " + endpoint_string(*options_.listen) + ": " + ec.message();
        return false;
      }
      listen_endpoint_ = listener_->local_endpoint();
      listener_->start();
      info(later, "listening for peers on " + endpoint_string(*listen_endpoint_));
    }
    dials_.reserve(options_.peers.size());
    for (const PeerAddress& a : options_.peers) {
      if (a.id == self()) {
        info(later, "not dialling " + a.to_string() + ": that is this node's own id");
      } else if (dial_of(a.id)) {
        info(later, "not dialling " + a.to_string() + ": the node id is configured twice");
      } else if (dials_.size() >= options_.max_outbound) {
        info(later, "not dialling " + a.to_string() + ": " + std::to_string(options_.max_outbound) +
                        " peers (max_outbound) are dialled already");
      } else {
        dials_.emplace_back(a, executor_);
      }
    }
    for (size_t i = 0; i < dials_.size(); ++i) dial(i, later);
  }
  run(later);
  return true;
}

void PeerSet::stop() {
  std::lock_guard lock(mutex_);
  if (stopped_) return;
  stopped_ = true;
  if (listener_) listener_->close();
  for (auto& [ptr, link] : links_) link.connection->close();
  for (Dial& d : dials_) {
    d.timer.cancel();
    d.waiting = false;
    d.connection.reset();
  }
  links_.clear();
  peers_.clear();
}

bool PeerSet::send(const NodeId& peer, MessageType type, Bytes payload) {
  std::shared_ptr<Connection> c;
  {
    std::lock_guard lock(mutex_);
    auto p = peers_.find(peer);
    if (p == peers_.end()) return false;
    c = p->second.connection;
  }
  return c->send(type, std::move(payload)) == Error::kOk;
}

void PeerSet::broadcast(MessageType type, const Bytes& payload, const std::optional<NodeId>& except) {
  std::vector<std::shared_ptr<Connection>> to;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, peer] : peers_)
      if (id != except) to.push_back(peer.connection);
  }
  for (auto& c : to) (void)c->send(type, payload);
}

void PeerSet::ban(const NodeId& peer, const std::string& reason) {
  Later later;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    add_ban(peer, reason, later);
    if (auto p = peers_.find(peer); p != peers_.end()) p->second.connection->close();
    if (auto i = dial_of(peer); i && dials_[*i].connection) dials_[*i].connection->close();
  }
  run(later);
}

void PeerSet::disconnect(const NodeId& peer, const std::string& reason) {
  Later later;
  {
    std::lock_guard lock(mutex_);
    auto p = peers_.find(peer);
    if (stopped_ || p == peers_.end()) return;
    info(later, "disconnecting " + to_string(peer) + ": " + reason);
    p->second.connection->close();
  }
  run(later);
}

std::vector<PeerStats> PeerSet::peers() const {
  std::lock_guard lock(mutex_);
  std::vector<PeerStats> out;
  for (const auto& [id, peer] : peers_) {
    const Connection& c = *peer.connection;
    out.push_back({id, address_of(c), c.direction(), peer.since, c.bytes_received(), c.bytes_sent()});
  }
  return out;
}

std::vector<BanInfo> PeerSet::bans() const {
  std::lock_guard lock(mutex_);
  auto now = Clock::now();
  std::vector<BanInfo> out;
  for (const auto& [id, b] : bans_)
    if (b.until > now) out.push_back({id, b.reason, b.until});
  return out;
}

size_t PeerSet::size() const {
  std::lock_guard lock(mutex_);
  return peers_.size();
}

bool PeerSet::banned(const NodeId& peer) const {
  std::lock_guard lock(mutex_);
  return banned_locked(peer, Clock::now());
}

std::optional<tcp::endpoint> PeerSet::listen_endpoint() const {
  std::lock_guard lock(mutex_);
  return listen_endpoint_;
}

const NodeId& PeerSet::self() const { return local_.key->id(); }

ConnectionHandlers PeerSet::connection_handlers() {
  std::weak_ptr<PeerSet> weak = weak_from_this();
  return {[weak](Connection& c) {
            if (auto self = weak.lock()) self->on_open(c);
          },
          [weak](Connection& c, Message&& m) {
            if (auto self = weak.lock()) self->on_message(c, std::move(m));
          },
          [weak](Connection& c, const CloseReason& r) {
            if (auto self = weak.lock()) self->on_close(c, r);
          }};
}

void PeerSet::on_socket(tcp::socket socket) {
  Later later;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    size_t inbound = std::count_if(links_.begin(), links_.end(), [](const auto& l) {
      return l.second.connection->direction() == Direction::kInbound;
    });
    if (inbound >= options_.max_inbound) {
      error_code ec;
      tcp::endpoint from = socket.remote_endpoint(ec);
      debug(later, "refused an inbound connection from " + (ec ? "unknown address" : endpoint_string(from)) + ": " +
                       std::to_string(inbound) + " inbound connections (max_inbound)");
      socket.close(ec);
    } else {
      auto c = Connection::inbound(std::move(socket), local_, options_.connection, connection_handlers());
      links_[c.get()] = Link{c, std::nullopt, false, {}};
      c->start();
    }
  }
  run(later);
}

void PeerSet::on_open(Connection& c) {
  Later later;
  {
    std::lock_guard lock(mutex_);
    auto it = links_.find(&c);
    if (stopped_ || it == links_.end()) return;
    Link& link = it->second;
    link.authenticated = true;
    link.opened = Clock::now();
    const NodeId id = c.peer().id;
    // When both nodes dial each other at once, each side sees both connections; both keep the
    // one dialled by the lower node id, so that the same connection survives at both ends.
    auto preferred = [&](const Connection& x) {
      return x.direction() == Direction::kOutbound ? self() < id : id < self();
    };
    forget_expired_bans(link.opened);
    auto p = peers_.find(id);
    if (auto b = bans_.find(id); b != bans_.end()) {
      debug(later, "refused " + describe(c) + ": banned (" + b->second.reason + ")");
      c.close();
    } else if (p == peers_.end()) {
      peers_[id] = Peer{link.connection, std::chrono::system_clock::now()};
      info(later, "connected to " + describe(c));
      later.push_back([this, id] {
        if (handlers_.on_connect) handlers_.on_connect(id);
      });
    } else if (preferred(c) && !preferred(*p->second.connection)) {
      debug(later, "replaced the connection to " + to_string(id) + " by " + describe(c) +
                       ": both nodes dialled, the lower node id's connection stays");
      p->second.connection->close();
      p->second = Peer{link.connection, std::chrono::system_clock::now()};
    } else {
      debug(later, "dropped " + describe(c) + ": already connected");
      c.close();
    }
  }
  run(later);
}

void PeerSet::on_message(Connection& c, Message&& m) {
  NodeId id;
  {
    std::lock_guard lock(mutex_);
    id = c.peer().id;
    auto p = peers_.find(id);
    if (stopped_ || p == peers_.end() || p->second.connection.get() != &c) return;
  }
  if (handlers_.on_message) handlers_.on_message(id, std::move(m));
}

void PeerSet::on_close(Connection& c, const CloseReason& reason) {
  Later later;
  {
    std::lock_guard lock(mutex_);
    auto it = links_.find(&c);
    if (stopped_ || it == links_.end()) return;
    Link link = std::move(it->second);
    links_.erase(it);
    std::optional<size_t> redial = link.dial;
    if (link.dial) {
      Dial& d = dials_[*link.dial];
      d.connection.reset();
      if (link.authenticated && Clock::now() - link.opened >= kStableConnection) d.failures = 0;
    }
    if (link.authenticated) {
      const NodeId id = c.peer().id;
      if (auto p = peers_.find(id); p != peers_.end() && p->second.connection.get() == &c) {
        peers_.erase(p);
        info(later, "disconnected from " + describe(c) + ": " + reason.message());
        later.push_back([this, id, reason] {
          if (handlers_.on_disconnect) handlers_.on_disconnect(id, reason);
        });
        if (!redial) redial = dial_of(id);
      }
      if (is_violation(reason.code)) add_ban(id, reason.message(), later);
    } else if (reason.code != Error::kClosedLocally) {
      std::string who =
          link.dial ? dials_[*link.dial].address.to_string() : "an inbound connection from " + address_of(c);
      if (is_refusal(reason.code)) {
        info(later, "refused " + who + " at the handshake: " + reason.message());
      } else {
        debug(later, "handshake with " + who + " failed: " + reason.message());
      }
    }
    if (redial) schedule_redial(*redial, later);
  }
  run(later);
}

void PeerSet::on_timer(size_t i) {
  Later later;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    dials_[i].waiting = false;
    dial(i, later);
  }
  run(later);
}

void PeerSet::dial(size_t i, Later& later) {
  Dial& d = dials_[i];
  if (stopped_ || d.connection || d.waiting || peers_.count(d.address.id)) return;
  auto now = Clock::now();
  forget_expired_bans(now);
  if (banned_locked(d.address.id, now)) return schedule_redial(i, later);
  error_code ec;
  auto address = asio::ip::make_address(d.address.host, ec);
  if (ec) {
    info(later, "not dialling " + d.address.to_string() + ": not an IP address");
    return;
  }
  d.connection = Connection::outbound(executor_, tcp::endpoint(address, d.address.port), d.address.id, local_,
                                      options_.connection, connection_handlers());
  links_[d.connection.get()] = Link{d.connection, i, false, {}};
  debug(later, "dialling " + d.address.to_string());
  d.connection->start();
}

void PeerSet::schedule_redial(size_t i, Later& later) {
  Dial& d = dials_[i];
  if (stopped_ || d.connection || d.waiting || peers_.count(d.address.id)) return;
  milliseconds delay = options_.redial_min;
  for (int k = 0; k < d.failures && delay < options_.redial_max; ++k) delay *= 2;
  delay = std::min(delay, options_.redial_max);
  d.failures = std::min(d.failures + 1, 64);
  auto now = Clock::now();
  if (auto b = bans_.find(d.address.id); b != bans_.end() && b->second.until > now)
    delay = std::max(delay, std::chrono::ceil<milliseconds>(b->second.until - now));
  d.waiting = true;
  d.timer.expires_after(delay);
  d.timer.async_wait([weak = weak_from_this(), i](const error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->on_timer(i);
  });
  debug(later, "redialling " + d.address.to_string() + " in " + duration_string(delay));
}

void PeerSet::add_ban(const NodeId& id, const std::string& reason, Later& later) {
  auto now = Clock::now();
  forget_expired_bans(now);
  if (bans_.size() >= kMaxBans && !bans_.count(id)) {
    auto first = std::min_element(bans_.begin(), bans_.end(),
                                  [](const auto& a, const auto& b) { return a.second.until < b.second.until; });
    bans_.erase(first);
  }
  bans_[id] = Ban{reason, now + options_.ban_time};
  info(later, "banned " + to_string(id) + " for " + duration_string(options_.ban_time) + ": " + reason);
}

bool PeerSet::banned_locked(const NodeId& id, Clock::time_point now) const {
  auto b = bans_.find(id);
  return b != bans_.end() && b->second.until > now;
}

void PeerSet::forget_expired_bans(Clock::time_point now) {
  std::erase_if(bans_, [now](const auto& b) { return b.second.until <= now; });
}

std::optional<size_t> PeerSet::dial_of(const NodeId& id) const {
  for (size_t i = 0; i < dials_.size(); ++i)
    if (dials_[i].address.id == id) return i;
  return std::nullopt;
}

void PeerSet::info(Later& later, std::string line) const {
  if (handlers_.log_info) later.push_back([this, line = std::move(line)] { handlers_.log_info(line); });
}

void PeerSet::debug(Later& later, std::string line) const {
  if (handlers_.log_debug) later.push_back([this, line = std::move(line)] { handlers_.log_debug(line); });
}

void PeerSet::run(Later& later) {
  for (auto& f : later) f();
}

}  // namespace vest::p2p
