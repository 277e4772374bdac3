// integration_test.cpp — starts the real gorodis binary (GORODIS_BIN, from CMake) on a free
// port and talks to it like its users do: hiredis from C++, raw sockets for byte-exact protocol
// cases (malformed input, RESP3, inline commands), and the redis-cli / redis-benchmark tools.
// Every server is stopped (SIGTERM, then SIGKILL) when its test ends; every wait is bounded.
#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A raw TCP connection for byte-exact exchanges.
class RawConn {
 public:
  explicit RawConn(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawConn() { close(fd_); }
  bool connected() const { return connected_; }
  void send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Reads until `size` bytes arrived, EOF, or the 10 s receive timeout.
  std::string read(std::size_t size) {
    std::string out;
    char buf[65536];
    while (out.size() < size) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  // Reads everything until the server closes the connection.
  std::string read_to_eof() { return read(SIZE_MAX); }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class Gorodis {
 public:
  explicit Gorodis(std::vector<std::string> options = {}, int gomaxprocs = 2) : port_(free_port()) {
    // No save rules unless a test asks (options come later and win): a SHUTDOWN or SIGTERM
    // would otherwise leave a dump.rdb in the working directory for the next test to load.
    std::vector<std::string> args = {GORODIS_BIN, "--port", std::to_string(port_), "--save", ""};
    args.insert(args.end(), options.begin(), options.end());
    pid_ = fork();
    if (pid_ == 0) {
      setenv("GOMAXPROCS", std::to_string(gomaxprocs).c_str(), 1);
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      execv(argv[0], argv.data());
      _exit(127);
    }
    const auto deadline = Clock::now() + 30s;
    while (Clock::now() < deadline) {
      if (RawConn(port_).connected()) return;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "gorodis did not start";
  }
  ~Gorodis() {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(10ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  int port_;
  pid_t pid_;
};

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

Context connect_to(int port) {
  timeval tv{10, 0};
  Context c(redisConnectWithTimeout("127.0.0.1", port, tv));
  EXPECT_TRUE(c && !c->err) << (c ? c->errstr : "no context");
  redisSetTimeout(c.get(), tv);
  return c;
}

Reply command(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  for (const std::string& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data())));
}

std::string text(const Reply& r) {
  if (!r) return "<no reply>";
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "<nil>";
    default:
      return "<array " + std::to_string(r->elements) + ">";
  }
}

std::string run_tool(const std::string& command_line) {
  std::string out;
  FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
  pclose(pipe);
  return out;
}

class Integration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new Gorodis(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static int port() { return server_->port(); }
  static Gorodis* server_;
};
Gorodis* Integration::server_ = nullptr;

TEST_F(Integration, BasicCommandsAndErrorTexts) {
  Context c = connect_to(port());
  EXPECT_EQ(text(command(c.get(), {"PING"})), "PONG");
  EXPECT_EQ(text(command(c.get(), {"SET", "basic", "value"})), "OK");
  EXPECT_EQ(text(command(c.get(), {"GET", "basic"})), "value");
  EXPECT_EQ(text(command(c.get(), {"NOSUCH", "a"})),
            "ERR unknown command 'NOSUCH', with args beginning with: 'a' ");
  EXPECT_EQ(text(command(c.get(), {"GET"})), "ERR wrong number of arguments for 'get' command");
  EXPECT_EQ(text(command(c.get(), {"CLIENT", "NOPE"})),
            "ERR unknown subcommand 'NOPE'. Try CLIENT HELP.");
  EXPECT_EQ(text(command(c.get(), {"DBSIZE"})), "1");
  EXPECT_EQ(text(command(c.get(), {"DEL", "basic"})), "1");
}

TEST_F(Integration, PipelineOfTenThousandCommands) {
  Context c = connect_to(port());
  constexpr int kCommands = 10000;
  for (int i = 0; i < kCommands; ++i) {
    std::string key = "pipe:" + std::to_string(i % 100);
    redisAppendCommand(c.get(), "INCR %s", key.c_str());
  }
  long long sum = 0;
  for (int i = 0; i < kCommands; ++i) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(c.get(), &raw), REDIS_OK);
    Reply r(static_cast<redisReply*>(raw));
    ASSERT_EQ(r->type, REDIS_REPLY_INTEGER);
    sum += r->integer;
  }
  // Each of the 100 keys went 1..100.
  EXPECT_EQ(sum, 100LL * (100 * 101 / 2));
  EXPECT_EQ(text(command(c.get(), {"GET", "pipe:7"})), "100");
}

TEST_F(Integration, ThousandConcurrentClients) {
  constexpr int kClients = 1000;
  std::vector<Context> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(connect_to(port()));
  for (int i = 0; i < kClients; ++i) {
    std::string key = "many:" + std::to_string(i);
    redisAppendCommand(clients[i].get(), "SET %s %d", key.c_str(), i);
    redisAppendCommand(clients[i].get(), "INCR many:counter");
  }
  for (int i = 0; i < kClients; ++i) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(clients[i].get(), &raw), REDIS_OK);
    freeReplyObject(raw);
    ASSERT_EQ(redisGetReply(clients[i].get(), &raw), REDIS_OK);
    freeReplyObject(raw);
  }
  EXPECT_EQ(text(command(clients[0].get(), {"GET", "many:counter"})), "1000");
  EXPECT_EQ(text(command(clients[999].get(), {"GET", "many:999"})), "999");
  Reply info = command(clients[0].get(), {"INFO", "clients"});
  EXPECT_NE(text(info).find("connected_clients:"), std::string::npos);
}

TEST_F(Integration, MalformedInputGetsRedisErrorAndClose) {
  struct Case {
    std::string input;
    std::string reply;  // what arrives before the server closes
  };
  const std::vector<Case> cases = {
      {"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*3000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
      {"*1\r\n$600000000\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
      {"*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"},
      {"set \"a b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"PING\r\n*" + std::string(70000, '1'),
       "+PONG\r\n-ERR Protocol error: too big mbulk count string\r\n"},
      {"*1\r\n$" + std::string(70000, '1'), "-ERR Protocol error: too big bulk count string\r\n"},
      {std::string(70000, 'a'), "-ERR Protocol error: too big inline request\r\n"},
  };
  Context bystander = connect_to(port());
  for (const Case& c : cases) {
    RawConn conn(port());
    conn.send(c.input);
    EXPECT_EQ(conn.read_to_eof(), c.reply) << c.input.substr(0, 40);
    EXPECT_EQ(text(command(bystander.get(), {"PING"})), "PONG");
  }
}

TEST_F(Integration, InlineCommandsAndQuit) {
  RawConn conn(port());
  conn.send("PING\r\nset inline \"a b\"\r\nget inline\r\n\r\nQUIT\r\n");
  EXPECT_EQ(conn.read_to_eof(), "+PONG\r\n+OK\r\n$3\r\na b\r\n+OK\r\n");
}

TEST_F(Integration, Resp3Replies) {
  RawConn conn(port());
  conn.send("HELLO 3\r\n");
  std::string hello = conn.read(1);
  EXPECT_EQ(hello.substr(0, 4), "%7\r\n");
  conn.send("GET resp3:missing\r\nCONFIG GET maxclients\r\nCLIENT INFO\r\nHELLO 2\r\n");
  std::string replies = conn.read(10);
  while (replies.find("*14\r\n") == std::string::npos) {
    std::string more = conn.read(1);
    if (more.empty()) break;
    replies += more;
  }
  EXPECT_EQ(replies.substr(0, 3), "_\r\n");
  EXPECT_NE(replies.find("%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n"), std::string::npos);
  EXPECT_NE(replies.find("txt:id="), std::string::npos);
  EXPECT_NE(replies.find("resp=3"), std::string::npos);
}

TEST_F(Integration, ClientCommands) {
  Context a = connect_to(port());
  Context b = connect_to(port());
  EXPECT_EQ(text(command(a.get(), {"CLIENT", "GETNAME"})), "<nil>");
  EXPECT_EQ(text(command(a.get(), {"CLIENT", "SETNAME", "alpha"})), "OK");
  EXPECT_EQ(text(command(a.get(), {"CLIENT", "SETNAME", "a b"})),
            "ERR Client names cannot contain spaces, newlines or special characters.");
  EXPECT_EQ(text(command(a.get(), {"CLIENT", "GETNAME"})), "alpha");
  std::string a_id = text(command(a.get(), {"CLIENT", "ID"}));
  std::string b_id = text(command(b.get(), {"CLIENT", "ID"}));
  std::string list = text(command(b.get(), {"CLIENT", "LIST"}));
  EXPECT_NE(list.find("id=" + a_id + " "), std::string::npos);
  EXPECT_NE(list.find("name=alpha"), std::string::npos);
  EXPECT_NE(text(command(a.get(), {"CLIENT", "INFO"})).find("cmd=client|info"), std::string::npos);
  EXPECT_EQ(text(command(a.get(), {"CLIENT", "NO-EVICT", "on"})), "OK");
  EXPECT_NE(text(command(b.get(), {"CLIENT", "LIST", "ID", a_id})).find("flags=e"),
            std::string::npos);
  // CLIENT REPLY: OFF drops replies until ON; SKIP drops the next one only.
  RawConn raw(port());
  raw.send(
      "CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\nCLIENT REPLY SKIP\r\nPING\r\nECHO x\r\n");
  EXPECT_EQ(raw.read(11), "+OK\r\n$1\r\nx\r\n");
  // CLIENT KILL by id closes the other connection.
  EXPECT_EQ(text(command(b.get(), {"CLIENT", "KILL", "ID", a_id})), "1");
  EXPECT_EQ(command(a.get(), {"PING"}), nullptr);
  EXPECT_EQ(text(command(b.get(), {"CLIENT", "KILL", "ID", a_id})), "0");
  EXPECT_EQ(text(command(b.get(), {"CLIENT", "KILL", "1.2.3.4:5"})), "ERR No such client");
  // CLIENT PAUSE WRITE holds writes but not reads; UNPAUSE releases them.
  Context c = connect_to(port());
  EXPECT_EQ(text(command(b.get(), {"CLIENT", "PAUSE", "5000", "WRITE"})), "OK");
  redisAppendCommand(c.get(), "SET paused 1");
  redisBufferWrite(c.get(), nullptr);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(text(command(b.get(), {"GET", "paused"})), "<nil>");
  EXPECT_EQ(text(command(b.get(), {"CLIENT", "UNPAUSE"})), "OK");
  void* raw_reply = nullptr;
  ASSERT_EQ(redisGetReply(c.get(), &raw_reply), REDIS_OK);
  EXPECT_EQ(text(Reply(static_cast<redisReply*>(raw_reply))), "OK");
  EXPECT_EQ(text(command(b.get(), {"GET", "paused"})), "1");
  RawConn reset(port());
  reset.send("SELECT 3\r\nRESET\r\nCLIENT INFO\r\n");
  std::string out = reset.read(20);
  while (out.find("resp=2") == std::string::npos) {
    std::string more = reset.read(1);
    if (more.empty()) break;
    out += more;
  }
  EXPECT_EQ(out.substr(0, 13), "+OK\r\n+RESET\r\n");
  EXPECT_NE(out.find(" db=0 "), std::string::npos);
}

TEST_F(Integration, ServerCommands) {
  Context c = connect_to(port());
  EXPECT_EQ(text(command(c.get(), {"CONFIG", "SET", "slowlog-log-slower-than", "0"})), "OK");
  EXPECT_EQ(text(command(c.get(), {"SLOWLOG", "RESET"})), "OK");
  EXPECT_EQ(text(command(c.get(), {"ECHO", "slow"})), "slow");
  Reply log = command(c.get(), {"SLOWLOG", "GET", "1"});
  ASSERT_EQ(log->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(log->elements, 1u);
  EXPECT_EQ(std::string(log->element[0]->element[3]->element[0]->str), "ECHO");
  EXPECT_EQ(text(command(c.get(), {"CONFIG", "SET", "slowlog-log-slower-than", "10000"})), "OK");
  EXPECT_EQ(text(command(c.get(), {"CONFIG", "SET", "maxclients", "abc"})),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
            "couldn't be parsed into an integer");
  EXPECT_EQ(text(command(c.get(), {"CONFIG", "SET", "databases", "4"})),
            "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
            "immutable config");
  EXPECT_EQ(text(command(c.get(), {"CONFIG", "SET", "nosuch", "4"})),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  std::string info = text(command(c.get(), {"INFO", "all"}));
  for (const char* field :
       {"# Server", "redis_version:7.0.15", "# Clients", "# Memory", "used_memory:", "# Stats",
        "total_commands_processed:", "# CPU", "used_cpu_user:", "# Commandstats",
        "cmdstat_echo:calls=", "# Keyspace"}) {
    EXPECT_NE(info.find(field), std::string::npos) << field;
  }
  EXPECT_EQ(text(command(c.get(), {"CONFIG", "RESETSTAT"})), "OK");
  EXPECT_EQ(text(command(c.get(), {"INFO", "commandstats"})).find("cmdstat_echo"),
            std::string::npos);
  EXPECT_GT(std::stoll(text(command(c.get(), {"LASTSAVE"}))), 1600000000LL);
  EXPECT_EQ(text(command(c.get(), {"SELECT", "9"})), "OK");
  EXPECT_EQ(text(command(c.get(), {"DEBUG", "POPULATE", "100", "pop", "16"})), "OK");
  EXPECT_EQ(text(command(c.get(), {"DBSIZE"})), "100");
  EXPECT_EQ(text(command(c.get(), {"STRLEN", "pop:5"})), "16");
  EXPECT_NE(text(command(c.get(), {"INFO", "keyspace"})).find("db9:keys=100,expires=0"),
            std::string::npos);
  EXPECT_EQ(text(command(c.get(), {"FLUSHDB"})), "OK");
}

TEST_F(Integration, ActiveExpiryRemovesKeysNobodyReads) {
  Context c = connect_to(port());
  EXPECT_EQ(text(command(c.get(), {"SELECT", "7"})), "OK");
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(text(command(c.get(), {"SET", "ttl:" + std::to_string(i), "v", "PX", "50"})), "OK");
  }
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline &&
         text(command(c.get(), {"INFO", "keyspace"})).find("db7:") != std::string::npos) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(text(command(c.get(), {"INFO", "keyspace"})).find("db7:"), std::string::npos);
}

TEST_F(Integration, RealClientTools) {
  const std::string cli = "redis-cli -p " + std::to_string(port()) + " ";
  EXPECT_EQ(run_tool(cli + "SET tool:key hello"), "OK\n");
  EXPECT_EQ(run_tool(cli + "GET tool:key"), "hello\n");
  EXPECT_EQ(run_tool(cli + "--no-raw INCR tool:n"), "(integer) 1\n");
  std::string piped =
      run_tool("printf 'SET tool:pipe 1\\r\\nINCR tool:pipe\\r\\n' | " + cli + "--pipe");
  EXPECT_NE(piped.find("errors: 0, replies: 2"), std::string::npos) << piped;
  std::string bench = run_tool("redis-benchmark -p " + std::to_string(port()) +
                               " -t set,get,incr,mset -n 2000 -c 10 -q");
  for (const char* test : {"SET: ", "GET: ", "INCR: ", "MSET (10 keys): "}) {
    EXPECT_NE(bench.find(test), std::string::npos) << bench;
  }
  EXPECT_EQ(bench.find("ERR"), std::string::npos) << bench;
}

TEST(IntegrationOptions, AuthWithRequirepass) {
  Gorodis server({"--requirepass", "s3cret"});
  Context c = connect_to(server.port());
  EXPECT_EQ(text(command(c.get(), {"GET", "x"})), "NOAUTH Authentication required.");
  EXPECT_EQ(text(command(c.get(), {"AUTH", "wrong"})),
            "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(text(command(c.get(), {"AUTH", "s3cret"})), "OK");
  EXPECT_EQ(text(command(c.get(), {"GET", "x"})), "<nil>");
  RawConn raw(server.port());
  raw.send("HELLO 3\r\n");
  EXPECT_EQ(raw.read(5).substr(0, 7), "-NOAUTH");
  RawConn hello(server.port());
  hello.send("HELLO 3 AUTH default s3cret SETNAME h\r\nCLIENT GETNAME\r\n");
  std::string out = hello.read(1);
  while (out.find("$1\r\nh\r\n") == std::string::npos) {
    std::string more = hello.read(1);
    if (more.empty()) break;
    out += more;
  }
  EXPECT_EQ(out.substr(0, 4), "%7\r\n");
  EXPECT_NE(out.find("$1\r\nh\r\n"), std::string::npos);
}

TEST(IntegrationOptions, MaxClients) {
  Gorodis server({"--maxclients", "2"});
  // Returns a connection once the server has a free slot (start-up probes may still hold one).
  auto admitted = [&] {
    const auto deadline = Clock::now() + 10s;
    for (;;) {
      auto conn = std::make_unique<RawConn>(server.port());
      conn->send("PING\r\n");
      std::string reply = conn->read(7);
      if (reply == "+PONG\r\n" || Clock::now() > deadline) {
        EXPECT_EQ(reply, "+PONG\r\n");
        return conn;
      }
      EXPECT_EQ(reply, "-ERR max number of clients reached\r\n");
      std::this_thread::sleep_for(20ms);
    }
  };
  auto a = admitted();
  auto b = admitted();
  RawConn third(server.port());
  EXPECT_EQ(third.read_to_eof(), "-ERR max number of clients reached\r\n");
  a.reset();
  auto c = admitted();
}

TEST(IntegrationOptions, IdleTimeoutClosesClients) {
  Gorodis server({"--timeout", "1"});
  RawConn idle(server.port());
  idle.send("PING\r\n");
  EXPECT_EQ(idle.read(7), "+PONG\r\n");
  const auto start = Clock::now();
  EXPECT_EQ(idle.read_to_eof(), "");
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(IntegrationOptions, DebugSleepParksOnlyItsGoroutine) {
  Gorodis server({}, /*gomaxprocs=*/1);
  Context sleeper = connect_to(server.port());
  Context other = connect_to(server.port());
  redisAppendCommand(sleeper.get(), "DEBUG SLEEP 1");
  redisBufferWrite(sleeper.get(), nullptr);
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  EXPECT_EQ(text(command(other.get(), {"PING"})), "PONG");
  EXPECT_LT(Clock::now() - start, 500ms);
  void* raw = nullptr;
  ASSERT_EQ(redisGetReply(sleeper.get(), &raw), REDIS_OK);
  EXPECT_EQ(text(Reply(static_cast<redisReply*>(raw))), "OK");
}

TEST(IntegrationOptions, BadOptionsAreRefused) {
  std::string out = run_tool(std::string(GORODIS_BIN) + " --port notaport");
  EXPECT_NE(out.find("FATAL CONFIG FILE ERROR"), std::string::npos) << out;
  EXPECT_NE(out.find("argument couldn't be parsed into an integer"), std::string::npos) << out;
  out = run_tool(std::string(GORODIS_BIN) + " --no-such-option 1");
  EXPECT_NE(out.find("Bad directive or wrong number of arguments"), std::string::npos) << out;
  out = run_tool(std::string(GORODIS_BIN) + " /nonexistent.conf");
  EXPECT_NE(out.find("can't open config file"), std::string::npos) << out;
}

TEST(IntegrationOptions, ConfigFileAndUnixSocket) {
  char dir_template[] = "/tmp/gorodis-test-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  std::string conf = dir + "/redis.conf";
  std::string sock = dir + "/gorodis.sock";
  FILE* f = std::fopen(conf.c_str(), "w");
  std::fprintf(f, "# comment\nunixsocket %s\ndatabases 4\nloglevel warning\n", sock.c_str());
  std::fclose(f);
  std::string out = run_tool(std::string(GORODIS_BIN) + " " + conf +
                             " --port 0 & for i in $(seq 100); do [ -S " + sock +
                             " ] && break; sleep 0.1; done; "
                             "redis-cli -s " +
                             sock +
                             " CONFIG GET databases; "
                             "redis-cli -s " +
                             sock +
                             " SELECT 4; "
                             "redis-cli -s " +
                             sock + " SHUTDOWN NOSAVE; wait");
  EXPECT_NE(out.find("databases\n4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("ERR DB index is out of range"), std::string::npos) << out;
  unlink(conf.c_str());
  unlink(sock.c_str());
  rmdir(dir.c_str());
}

}  // namespace
