package integration

// Server behaviour suite: start-up, configuration, signals, authentication, protected mode,
// client limits, MONITOR, SLOWLOG, DEBUG, CONFIG REWRITE, eviction, expiry and databases.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tessera/tests/integration/internal/harness"
)

// runToExit runs the server binary with args in a temporary directory and waits for it to
// exit by itself (killing it by PID after the deadline).
func runToExit(t *testing.T, args []string, timeout time.Duration) (string, int) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, harness.TesseraBin(), args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("server %v still running after %v (killed); output:\n%s", args, timeout, out.String())
	}
	code := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			t.Fatalf("run server: %v", err)
		}
	}
	return out.String(), code
}

func infoField(t *testing.T, c *harness.Conn, section, field string) string {
	t.Helper()
	v := harness.MustParse(c.Do("INFO", section))
	m := harness.ParseInfo(v.Text())
	val, ok := m[field]
	if !ok {
		t.Fatalf("INFO %s has no field %s", section, field)
	}
	return val
}

func infoInt(t *testing.T, c *harness.Conn, section, field string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(infoField(t, c, section, field), 10, 64)
	if err != nil {
		t.Fatalf("INFO %s: %v", field, err)
	}
	return n
}

func TestServerVersion(t *testing.T) {
	re := regexp.MustCompile(`^\S+ server v=\S+ .*sha=[0-9a-f]+:?\d* .*malloc=\S+ bits=(32|64)`)
	for _, flag := range []string{"--version", "-v"} {
		out, code := runToExit(t, []string{flag}, 30*time.Second)
		if code != 0 {
			t.Errorf("%s: exit %d", flag, code)
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) != 1 || !re.MatchString(lines[0]) || !strings.Contains(lines[0], "7.0.15") {
			t.Errorf("%s printed %q; want one line like 'Redis server v=7.0.15 sha=... malloc=... bits=64 build=...'", flag, out)
		}
	}
}

func TestServerBadConfigLine(t *testing.T) {
	cases := []struct {
		name, line, reason string
	}{
		{"unknown directive", "nosuchdirective yes", "Bad directive or wrong number of arguments"},
		{"bad memory value", "maxmemory lots", "argument must be a memory value"},
		{"bad enum value", "maxmemory-policy sometimes", "argument(s) must be one of the following"},
		{"bad boolean", "protected-mode perhaps", "argument must be 'yes' or 'no'"},
		{"too many arguments", "timeout 1 2", "wrong number of arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := writeFile(t, dir, "bad.conf", "# a comment\n\nloglevel notice\n"+tc.line+"\nport 6379\n")
			port, err := harness.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			out, code := runToExit(t, []string{conf, "--port", strconv.Itoa(port)}, 30*time.Second)
			if code == 0 {
				t.Fatalf("server exited 0 with a bad config line; output:\n%s", out)
			}
			for _, want := range []string{"line 4", tc.line, tc.reason} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if harness.TargetIsReference() {
				t.Log("reference target: Redis does not print the file name, not checked")
			} else if !strings.Contains(out, "bad.conf") {
				t.Errorf("output does not name the file:\n%s", out)
			}
			if strings.Contains(out, "Ready to accept connections") {
				t.Errorf("server reported readiness despite the bad config")
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		out, code := runToExit(t, []string{filepath.Join(t.TempDir(), "nosuch.conf")}, 30*time.Second)
		if code == 0 || !strings.Contains(out, "nosuch.conf") {
			t.Errorf("exit %d, output %q", code, out)
		}
	})
}

func TestServerCommandLineOverridesFile(t *testing.T) {
	conf := "# file values\n" +
		"maxmemory 10mb\n" +
		"maxmemory-policy allkeys-lru\n" +
		"  timeout 77  \n" +
		"slowlog-max-len 64\n" +
		"requirepass \"pa ss\"\n" +
		"client-output-buffer-limit normal 2mb 1mb 30\n" +
		"save \"\"\n" +
		"port 1\n"
	srv := harness.Start(t, harness.Options{Config: conf, Args: []string{"--maxmemory", "20mb", "--slowlog-max-len", "32"},
		Password: "pa ss"})
	c := srv.Dial(t)
	c.Expect("-NOAUTH Authentication required.\r\n", "PING")
	c.Expect("+OK\r\n", "AUTH", "pa ss")
	c.Expect("*2\r\n$4\r\nsave\r\n$0\r\n\r\n", "CONFIG", "GET", "save")
	cobl := "normal 2097152 1048576 30 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
	c.Expect(fmt.Sprintf("*2\r\n$26\r\nclient-output-buffer-limit\r\n$%d\r\n%s\r\n", len(cobl), cobl),
		"CONFIG", "GET", "client-output-buffer-limit")
	c.Expect("*2\r\n$9\r\nmaxmemory\r\n$8\r\n20971520\r\n", "CONFIG", "GET", "maxmemory")
	c.Expect("*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n", "CONFIG", "GET", "maxmemory-policy")
	c.Expect("*2\r\n$7\r\ntimeout\r\n$2\r\n77\r\n", "CONFIG", "GET", "timeout")
	c.Expect("*2\r\n$15\r\nslowlog-max-len\r\n$2\r\n32\r\n", "CONFIG", "GET", "slowlog-max-len")
	p := strconv.Itoa(srv.Port)
	c.Expect(fmt.Sprintf("*2\r\n$4\r\nport\r\n$%d\r\n%s\r\n", len(p), p), "CONFIG", "GET", "port")
	if got := infoField(t, c, "server", "config_file"); got != filepath.Join(srv.Dir, "server.conf") {
		t.Errorf("INFO config_file = %q", got)
	}
}

func TestServerSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			srv := harness.Start(t, harness.Options{})
			c := srv.Dial(t)
			c.Expect("+OK\r\n", "SET", "k", "v")
			if err := srv.Signal(sig); err != nil {
				t.Fatal(err)
			}
			code, err := srv.ExitCode(harness.StopTimeout)
			if err != nil {
				t.Fatal(err)
			}
			srv.MarkStopped()
			if code != 0 {
				t.Errorf("exit status %d after %v, want 0", code, sig)
			}
			name := "SIGTERM"
			if sig == syscall.SIGINT {
				name = "SIGINT"
			}
			log := srv.Log()
			for _, want := range []string{"Received " + name + " scheduling shutdown...", "is now ready to exit, bye bye..."} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q", want)
				}
			}
			if _, err := c.ExpectClosed(harness.ReplyTimeout); err != nil {
				t.Errorf("client connection not closed at shutdown: %v", err)
			}
		})
	}
}

func TestServerShutdownNosave(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	c.Expect("-ERR syntax error\r\n", "SHUTDOWN", "FOO")
	c.Expect("-ERR syntax error\r\n", "SHUTDOWN", "NOSAVE", "NOW", "FORCE", "ABORT", "X")
	c.Expect("-ERR syntax error\r\n", "SHUTDOWN", "NOSAVE", "SAVE")
	if err := c.SendCmd("SHUTDOWN", "NOSAVE"); err != nil {
		t.Fatal(err)
	}
	// A successful SHUTDOWN sends no reply: the connection just ends.
	extra, err := c.ExpectClosed(harness.StopTimeout)
	if err != nil || len(extra) != 0 {
		t.Errorf("after SHUTDOWN NOSAVE: received %s, close error %v", harness.Escape(extra), err)
	}
	code, err := srv.ExitCode(harness.StopTimeout)
	if err != nil {
		t.Fatal(err)
	}
	srv.MarkStopped()
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	log := srv.Log()
	for _, want := range []string{"User requested shutdown...", "is now ready to exit, bye bye..."} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestServerAuth(t *testing.T) {
	srv := harness.Start(t, harness.Options{Args: []string{"--requirepass", "s3cret"}, Password: "s3cret"})
	const noauth = "-NOAUTH Authentication required.\r\n"
	const wrongpass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
	const helloNoauth = "-NOAUTH HELLO must be called with the client already authenticated, otherwise the " +
		"HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol " +
		"version at the same time\r\n"
	c := srv.Dial(t)
	c.Expect(noauth, "GET", "k")
	c.Expect(noauth, "PING")
	c.Expect(noauth, "CLIENT", "ID")
	c.Expect(noauth, "SELECT", "1")
	c.Expect("-ERR unknown command 'NOSUCH', with args beginning with: \r\n", "NOSUCH")
	c.Expect("-ERR wrong number of arguments for 'get' command\r\n", "GET")
	c.Expect(wrongpass, "AUTH", "wrong")
	c.Expect(wrongpass, "AUTH", "default", "wrong")
	c.Expect(wrongpass, "AUTH", "nosuchuser", "s3cret")
	c.Expect("-ERR syntax error\r\n", "AUTH", "a", "b", "c")
	c.Expect(helloNoauth, "HELLO", "3")
	c.Expect(helloNoauth, "HELLO")
	c.Expect(wrongpass, "HELLO", "3", "AUTH", "default", "wrong")
	// Still RESP2 and unauthenticated after the failed HELLO AUTH.
	c.Expect(noauth, "GET", "k")
	r := c.Do("HELLO", "3", "AUTH", "default", "s3cret")
	if !bytes.HasPrefix(r, []byte("%7\r\n$6\r\nserver\r\n")) {
		t.Errorf("HELLO 3 AUTH default s3cret: %s", harness.Escape(r))
	}
	c.Expect("_\r\n", "GET", "k")
	c.Expect("+RESET\r\n", "RESET")
	// RESET drops the authentication (the default user has a password).
	c.Expect(noauth, "GET", "k")
	c.Expect("+OK\r\n", "AUTH", "s3cret")
	c.Expect("$-1\r\n", "GET", "k")
	c.Expect("*2\r\n$11\r\nrequirepass\r\n$6\r\ns3cret\r\n", "CONFIG", "GET", "requirepass")
	c2 := srv.Dial(t)
	c2.Expect("+OK\r\n", "AUTH", "default", "s3cret")
	c2.Expect("+PONG\r\n", "PING")
	// QUIT works without authentication.
	c3 := srv.Dial(t)
	c3.Expect("+OK\r\n", "QUIT")
	if _, err := c3.ExpectClosed(harness.ReplyTimeout); err != nil {
		t.Errorf("QUIT did not close: %v", err)
	}
	// Changing the password at run time applies to new authentications.
	c.Expect("+OK\r\n", "CONFIG", "SET", "requirepass", "other")
	c4 := srv.Dial(t)
	c4.Expect(wrongpass, "AUTH", "s3cret")
	c4.Expect("+OK\r\n", "AUTH", "other")
	// Clearing it makes AUTH complain like Redis does.
	c.Expect("+OK\r\n", "CONFIG", "SET", "requirepass", "")
	c5 := srv.Dial(t)
	c5.Expect("+PONG\r\n", "PING")
	c5.Expect("-ERR AUTH <password> called without any password configured for the default user. "+
		"Are you sure your configuration is correct?\r\n", "AUTH", "x")
}

// deniedText is the protected-mode rejection sent to a non-loopback client.
const deniedText = "-DENIED Redis is running in protected mode because protected mode is enabled and no " +
	"password is set for the default user. In this mode connections are only accepted from the loopback " +
	"interface. If you want to connect from external computers to Redis you may adopt one of the following " +
	"solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the " +
	"loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE " +
	"Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change " +
	"permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration " +
	"file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started " +
	"the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an " +
	"authentication password for the default user. NOTE: You only need to do one of the above things in " +
	"order for the server to start accepting connections from the outside.\r\n"

const debugNotAllowed = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", " +
	"you can run it from a local connection, otherwise you need to set this option in the configuration file, " +
	"and then restart the server.\r\n"

// The non-loopback client address used inside a private network namespace (TEST-NET-2).
const nsAddr = "198.51.100.1"

// nsScript runs the server and raw clients inside a new network namespace in which the
// address nsAddr is configured, so that a client with a non-loopback address can be tested
// without any traffic leaving the namespace. Each client writes its received bytes to a file.
const nsScript = `
set -u
ip link set lo up && ip addr add ` + nsAddr + `/32 dev lo || exit 77
"$BIN" --port "$PORT" $SERVER_ARGS > server.log 2>&1 &
pid=$!
ready=0
for i in $(seq 1 600); do
    if grep -q "Ready to accept connections" server.log; then ready=1; break; fi
    if ! kill -0 $pid 2>/dev/null; then break; fi
    sleep 0.05
done
if [ $ready = 1 ]; then
    # Denied clients are only read from (writing could race with the server's close).
    timeout "$SILENT_TIMEOUT" bash -c 'exec 3<>/dev/tcp/` + nsAddr + `/'"$PORT"'; cat <&3' > remote_silent.out 2>/dev/null
    timeout 20 bash -c 'exec 3<>/dev/tcp/` + nsAddr + `/'"$PORT"'; printf "PING\r\nDEBUG SLEEP 0\r\nQUIT\r\n" >&3; cat <&3' > remote_cmds.out 2>/dev/null
    timeout 20 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$PORT"'; printf "PING\r\nDEBUG SLEEP 0\r\nQUIT\r\n" >&3; cat <&3' > local_cmds.out 2>/dev/null
fi
kill -TERM $pid 2>/dev/null
for i in $(seq 1 600); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
[ $ready = 1 ] || exit 3
exit 0
`

type nsResult struct {
	remoteSilent, remoteCmds, localCmds, log string
}

// silentTimeout bounds the client that only listens: long when the server is expected to
// answer and close (DENIED), short when it is expected to stay silent.
func runInNetns(t *testing.T, silentTimeout int, serverArgs ...string) nsResult {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not available: cannot create a private network namespace for a non-loopback client")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip not available: cannot configure a non-loopback address in a private namespace")
	}
	dir := t.TempDir()
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--net", "bash", "-c", nsScript)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BIN="+harness.TesseraBin(), "PORT="+strconv.Itoa(port),
		"SERVER_ARGS="+strings.Join(serverArgs, " "), "SILENT_TIMEOUT="+strconv.Itoa(silentTimeout))
	out, err := cmd.CombinedOutput()
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return string(b)
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 77 {
			t.Skipf("cannot configure a private network namespace here: %s", out)
		}
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 && strings.Contains(string(out), "unshare failed") {
			t.Skipf("no permission to create a network namespace: %s", out)
		}
		t.Fatalf("namespace run failed: %v\n%s\nserver log:\n%s", err, out, read("server.log"))
	}
	return nsResult{read("remote_silent.out"), read("remote_cmds.out"), read("local_cmds.out"), read("server.log")}
}

func TestServerProtectedMode(t *testing.T) {
	t.Run("default refuses non-loopback clients", func(t *testing.T) {
		r := runInNetns(t, 20)
		if r.remoteSilent != deniedText {
			t.Errorf("non-loopback client received %s, want the DENIED text%s", harness.Escape([]byte(r.remoteSilent)),
				harness.DiffNote(r.remoteSilent, deniedText))
		}
		if r.localCmds != "+PONG\r\n"+debugNotAllowed+"+OK\r\n" && r.localCmds != "+PONG\r\n+OK\r\n+OK\r\n" {
			t.Errorf("loopback client received %s", harness.Escape([]byte(r.localCmds)))
		}
	})
	t.Run("protected-mode no allows them", func(t *testing.T) {
		r := runInNetns(t, 1, "--protected-mode", "no", "--enable-debug-command", "local")
		if r.remoteSilent != "" {
			t.Errorf("silent non-loopback client received %s", harness.Escape([]byte(r.remoteSilent)))
		}
		// enable-debug-command local: DEBUG refused from the non-loopback address only.
		if want := "+PONG\r\n" + debugNotAllowed + "+OK\r\n"; r.remoteCmds != want {
			t.Errorf("non-loopback client: got %s, want %s", harness.Escape([]byte(r.remoteCmds)), harness.Escape([]byte(want)))
		}
		if want := "+PONG\r\n+OK\r\n+OK\r\n"; r.localCmds != want {
			t.Errorf("loopback client: got %s, want %s", harness.Escape([]byte(r.localCmds)), harness.Escape([]byte(want)))
		}
	})
	t.Run("a password lifts protected mode", func(t *testing.T) {
		r := runInNetns(t, 1, "--requirepass", "pw")
		const noauth = "-NOAUTH Authentication required.\r\n"
		// The DEBUG policy is checked before authentication.
		if want := noauth + debugNotAllowed + "+OK\r\n"; r.remoteCmds != want {
			t.Errorf("non-loopback client with requirepass: got %s, want %s", harness.Escape([]byte(r.remoteCmds)), harness.Escape([]byte(want)))
		}
	})
}

func TestServerDebugCommandPolicy(t *testing.T) {
	t.Run("no", func(t *testing.T) {
		srv := harness.Start(t, harness.Options{Args: []string{"--enable-debug-command", "no"}})
		c := srv.Dial(t)
		c.Expect(debugNotAllowed, "DEBUG", "SLEEP", "0")
		c.Expect(debugNotAllowed, "debug", "object", "k")
		// Arity is checked before the policy.
		c.Expect("-ERR wrong number of arguments for 'debug' command\r\n", "DEBUG")
	})
	t.Run("local", func(t *testing.T) {
		srv := harness.Start(t, harness.Options{Args: []string{"--enable-debug-command", "local"}})
		c := srv.Dial(t)
		c.Expect("+OK\r\n", "DEBUG", "SLEEP", "0")
	})
	t.Run("yes", func(t *testing.T) {
		srv := harness.Start(t, harness.Options{Args: []string{"--enable-debug-command", "yes"}})
		c := srv.Dial(t)
		c.Expect("+OK\r\n", "DEBUG", "SLEEP", "0")
	})
}

func TestServerMaxclients(t *testing.T) {
	srv := harness.Start(t, harness.Options{Args: []string{"--maxclients", "2"}})
	a := srv.Dial(t)
	// The start-up probe's connection may not be released yet: wait until a is alone.
	if !harness.WaitFor(30*time.Second, func() bool {
		r, err := a.DoErr("CLIENT", "LIST")
		return err == nil && strings.Count(harness.MustParse(r).Text(), "\n") == 1
	}) {
		t.Fatalf("CLIENT LIST never showed a single client: %s", a.Do("CLIENT", "LIST"))
	}
	b := srv.Dial(t)
	a.Expect("+PONG\r\n", "PING")
	b.Expect("+PONG\r\n", "PING")
	c := srv.Dial(t)
	got, err := c.ExpectClosed(harness.ReplyTimeout)
	if err != nil || string(got) != "-ERR max number of clients reached\r\n" {
		t.Fatalf("third client: received %s, close error %v", harness.Escape(got), err)
	}
	a.Close()
	// Once a slot is free a new client is served again.
	ok := harness.WaitFor(30*time.Second, func() bool {
		d, err := harness.DialTimeout(srv.Addr(), 5*time.Second)
		if err != nil {
			return false
		}
		defer d.Close()
		r, err := d.DoErr("PING")
		return err == nil && string(r) == "+PONG\r\n"
	})
	if !ok {
		t.Errorf("no new client accepted after one disconnected")
	}
	b.Expect("+OK\r\n", "CONFIG", "SET", "maxclients", "3")
	b.Expect("*2\r\n$10\r\nmaxclients\r\n$1\r\n3\r\n", "CONFIG", "GET", "maxclients")
}

func TestServerIdleTimeout(t *testing.T) {
	t.Parallel()
	srv := harness.Start(t, harness.Options{Args: []string{"--timeout", "1"}})
	idle := srv.Dial(t)
	idle.Expect("+PONG\r\n", "PING")
	start := time.Now()
	if _, err := idle.ExpectClosed(60 * time.Second); err != nil {
		t.Fatalf("idle client not closed: %v", err)
	}
	// Only a gross error is checked here (closing idle clients at once).
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("idle client closed after %v, well before the 1 s timeout", d)
	}
	c := srv.Dial(t)
	c.Expect("*2\r\n$7\r\ntimeout\r\n$1\r\n1\r\n", "CONFIG", "GET", "timeout")
	// A MONITOR client is not subject to the idle timeout in Redis; a normal one with
	// timeout 0 is never closed.
	c.Expect("+OK\r\n", "CONFIG", "SET", "timeout", "0")
}

func TestServerClientOutputBufferLimit(t *testing.T) {
	t.Parallel()
	srv := harness.Start(t, harness.Options{Args: []string{"--client-output-buffer-limit", "normal 1mb 0 0"}})
	ctl := srv.Dial(t)
	const cobl = "normal 1048576 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
	ctl.Expect(fmt.Sprintf("*2\r\n$26\r\nclient-output-buffer-limit\r\n$%d\r\n%s\r\n", len(cobl), cobl),
		"CONFIG", "GET", "client-output-buffer-limit")
	ctl.Expect("+OK\r\n", "SET", "big", strings.Repeat("x", 1<<20))
	slow := srv.Dial(t)
	if tc, ok := slow.NetConn().(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	slow.Expect("+OK\r\n", "CLIENT", "SETNAME", "slowreader")
	var buf bytes.Buffer
	for i := 0; i < 100; i++ {
		buf.Write(harness.EncodeCmd("GET", "big"))
	}
	go slow.Send(buf.Bytes())
	// The server must drop the client instead of buffering 100 MB for it.
	gone := harness.WaitFor(60*time.Second, func() bool {
		v := harness.MustParse(ctl.Do("CLIENT", "LIST"))
		return !strings.Contains(v.Text(), "name=slowreader")
	})
	if !gone {
		t.Fatalf("client over the output buffer limit is still connected")
	}
	got, err := slow.ExpectClosed(60 * time.Second)
	if err != nil {
		t.Fatalf("slow client connection not closed: %v", err)
	}
	if len(got) >= 100<<20 {
		t.Errorf("slow client received all %d bytes", len(got))
	}
	if !strings.Contains(srv.Log(), "scheduled to be closed ASAP for overcoming of output buffer limits") {
		t.Errorf("log lacks the output buffer limit line")
	}
	ctl.Expect("+PONG\r\n", "PING")
}

func TestServerMonitor(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	mon := srv.Dial(t)
	mon.Expect("+OK\r\n", "MONITOR")
	c := srv.Dial(t)
	_, portStr, _ := net.SplitHostPort(c.NetConn().LocalAddr().String())
	c.Expect("+OK\r\n", "SET", "k", "v")
	c.Expect("+OK\r\n", "SELECT", "2")
	c.Expect("+OK\r\n", "set", "q\"\n\x01", "a b\\")
	c.Expect("-ERR unknown command 'NOSUCH', with args beginning with: \r\n", "NOSUCH")
	if err := c.Send([]byte("ECHO inline\r\n")); err != nil {
		t.Fatal(err)
	}
	c.Read()
	want := []string{
		`"SET" "k" "v"`,
		`"SELECT" "2"`,
		`"set" "q\"\n\x01" "a b\\"`,
		`"ECHO" "inline"`,
	}
	// The db shown is the client's db after the command ran (SELECT 2 shows 2).
	dbs := []string{"0", "2", "2", "2"}
	re := regexp.MustCompile(`^\+(\d+)\.(\d{6}) \[(\d+) 127\.0\.0\.1:(\d+)\] (.*)\r\n$`)
	for i, w := range want {
		line := mon.Read()
		m := re.FindStringSubmatch(string(line))
		if m == nil {
			t.Errorf("MONITOR line %s does not match +<sec>.<usec> [<db> 127.0.0.1:<port>] ...", harness.Escape(line))
			continue
		}
		if m[3] != dbs[i] || m[4] != portStr || m[5] != w {
			t.Errorf("MONITOR line %s: want db %s, port %s, args %s", harness.Escape(line), dbs[i], portStr, w)
		}
		if sec, _ := strconv.ParseInt(m[1], 10, 64); sec < time.Now().Add(-time.Hour).Unix() {
			t.Errorf("MONITOR timestamp %s is not the current Unix time", m[1])
		}
	}
	// The monitoring connection only accepts a few commands afterwards.
	mon.Expect("+PONG\r\n", "PING")
}

func TestServerSlowlog(t *testing.T) {
	srv := harness.Start(t, harness.Options{Args: []string{"--slowlog-log-slower-than", "0"}})
	c := srv.Dial(t)
	c.Expect("*2\r\n$23\r\nslowlog-log-slower-than\r\n$1\r\n0\r\n", "CONFIG", "GET", "slowlog-log-slower-than")
	c.Expect("+OK\r\n", "CLIENT", "SETNAME", "sl")
	c.Expect("+OK\r\n", "SLOWLOG", "RESET")
	c.Expect("+OK\r\n", "SET", "a", "b")
	long := strings.Repeat("z", 200)
	args := []string{"MGET"}
	for i := 0; i < 40; i++ {
		args = append(args, fmt.Sprintf("k%d", i))
	}
	args[1] = long
	c.Do(args...)
	v := harness.MustParse(c.Do("SLOWLOG", "GET", "2"))
	if v.Type != '*' || len(v.Elems) != 2 {
		t.Fatalf("SLOWLOG GET 2: %+v", v)
	}
	_, portStr, _ := net.SplitHostPort(c.NetConn().LocalAddr().String())
	newest, older := v.Elems[0], v.Elems[1]
	for _, e := range []harness.Value{newest, older} {
		if len(e.Elems) != 6 || e.Elems[0].Type != ':' || e.Elems[1].Type != ':' || e.Elems[2].Type != ':' ||
			e.Elems[3].Type != '*' || e.Elems[4].Str != "127.0.0.1:"+portStr || e.Elems[5].Str != "sl" {
			t.Errorf("slowlog entry has the wrong layout: %+v", e)
		}
	}
	if len(older.Elems) == 6 {
		a := older.Elems[3].Elems
		if len(a) != 3 || a[0].Str != "SET" || a[1].Str != "a" || a[2].Str != "b" {
			t.Errorf("older entry args: %+v", a)
		}
	}
	if len(newest.Elems) == 6 {
		a := newest.Elems[3].Elems
		// At most 32 arguments are kept, the last one saying how many were dropped; long
		// arguments are cut to 128 bytes with a note of the remaining length.
		if len(a) != 32 {
			t.Errorf("newest entry has %d args, want 32", len(a))
		} else {
			if a[1].Str != strings.Repeat("z", 128)+"... (72 more bytes)" {
				t.Errorf("long argument kept as %q", a[1].Str)
			}
			if a[31].Str != "... (10 more arguments)" {
				t.Errorf("last argument %q, want '... (10 more arguments)'", a[31].Str)
			}
		}
		if newest.Elems[0].Int() <= older.Elems[0].Int() {
			t.Errorf("slowlog ids do not increase: %d then %d", older.Elems[0].Int(), newest.Elems[0].Int())
		}
	}
	if n := harness.MustParse(c.Do("SLOWLOG", "LEN")).Int(); n < 3 {
		t.Errorf("SLOWLOG LEN = %d, want >= 3", n)
	}
	c.Expect("+OK\r\n", "CONFIG", "SET", "slowlog-log-slower-than", "-1")
	c.Expect("+OK\r\n", "SLOWLOG", "RESET")
	c.Expect("+OK\r\n", "SET", "a", "c")
	c.Expect(":0\r\n", "SLOWLOG", "LEN")
}

func TestServerDebugSleepBlocks(t *testing.T) {
	srv := harness.Start(t, harness.Options{Args: []string{"--enable-debug-command", "local"}})
	a := srv.Dial(t)
	b := srv.Dial(t)
	b.Expect("+PONG\r\n", "PING")
	start := time.Now()
	if err := a.SendCmd("DEBUG", "SLEEP", "2"); err != nil {
		t.Fatal(err)
	}
	aDone := make(chan []byte, 1)
	go func() {
		r, _ := a.ReadReply(harness.ReplyTimeout)
		aDone <- r
	}()
	// B pings in a loop until A's reply arrives. B may be served a few times before the
	// server picks up A's request, and again after the sleep until this goroutine sees A's
	// reply (a loaded machine can delay that); in between, B's pending PING waits for the
	// end of the sleep. So only PONGs that arrive well inside the sleep count: a server that
	// kept serving would answer thousands of them.
	pongs := 0
	var aReply []byte
	for aReply == nil {
		if err := b.SendCmd("PING"); err != nil {
			t.Fatal(err)
		}
		r, err := b.ReadReply(harness.ReplyTimeout)
		if err != nil || string(r) != "+PONG\r\n" {
			t.Fatalf("PING during DEBUG SLEEP: %s %v", harness.Escape(r), err)
		}
		if at := time.Since(start); at > 300*time.Millisecond && at < 1700*time.Millisecond {
			pongs++
		}
		select {
		case aReply = <-aDone:
		default:
		}
	}
	if string(aReply) != "+OK\r\n" {
		t.Fatalf("DEBUG SLEEP 2: %s", harness.Escape(aReply))
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("DEBUG SLEEP 2 returned after %v", d)
	}
	t.Logf("%d PINGs answered well inside the sleep", pongs)
	if pongs > 10 {
		t.Errorf("another client got %d replies during DEBUG SLEEP: the server did not block", pongs)
	}
}

func TestServerConfigRewrite(t *testing.T) {
	conf := "# Tessera test configuration\n" +
		"# comments and unknown order must survive a rewrite\n" +
		"maxmemory 10mb\n" +
		"\n" +
		"timeout 30\n" +
		"# end\n"
	srv := harness.Start(t, harness.Options{Config: conf})
	c := srv.Dial(t)
	c.Expect("+OK\r\n", "CONFIG", "SET", "maxmemory", "33mb", "maxmemory-policy", "allkeys-lru")
	c.Expect("+OK\r\n", "CONFIG", "SET", "timeout", "120")
	c.Expect("+OK\r\n", "CONFIG", "SET", "slowlog-max-len", "99")
	c.Expect("+OK\r\n", "CONFIG", "REWRITE")
	path := filepath.Join(srv.Dir, "server.conf")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Tessera test configuration\n", "# comments and unknown order must survive a rewrite\n",
		"maxmemory 33mb\n", "timeout 120\n", "maxmemory-policy allkeys-lru\n", "slowlog-max-len 99\n",
		"port " + strconv.Itoa(srv.Port) + "\n"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("rewritten file lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(string(text), "maxmemory 10mb") || strings.Contains(string(text), "timeout 30\n") {
		t.Errorf("rewritten file keeps old values:\n%s", text)
	}
	// Another CONFIG REWRITE without changes keeps the same lines (the order of the
	// generated block is not significant: Redis writes it in hash table order).
	c.Expect("+OK\r\n", "CONFIG", "REWRITE")
	again, _ := os.ReadFile(path)
	if sortedLines(string(again)) != sortedLines(string(text)) {
		t.Errorf("second rewrite changed the file:\n--- first ---\n%q\n--- second ---\n%q", text, again)
	}
	if _, err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	srv.MarkStopped()

	// A new server started from the rewritten file has the values.
	srv2 := harness.Start(t, harness.Options{Config: string(text)})
	c2 := srv2.Dial(t)
	c2.Expect("*2\r\n$9\r\nmaxmemory\r\n$8\r\n34603008\r\n", "CONFIG", "GET", "maxmemory")
	c2.Expect("*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n", "CONFIG", "GET", "maxmemory-policy")
	c2.Expect("*2\r\n$7\r\ntimeout\r\n$3\r\n120\r\n", "CONFIG", "GET", "timeout")
	c2.Expect("*2\r\n$15\r\nslowlog-max-len\r\n$2\r\n99\r\n", "CONFIG", "GET", "slowlog-max-len")
}

func TestServerMaxmemoryAllkeysLRU(t *testing.T) {
	t.Parallel()
	const limit = 20 << 20
	srv := harness.Start(t, harness.Options{Args: []string{"--maxmemory", "20mb", "--maxmemory-policy", "allkeys-lru"}})
	c := srv.Dial(t)
	value := strings.Repeat("v", 10<<10)
	const keys = 10000 // 100 MB in total
	maxSeen := int64(0)
	for batch := 0; batch < keys/500; batch++ {
		var buf bytes.Buffer
		for i := 0; i < 500; i++ {
			buf.Write(harness.EncodeCmd("SET", fmt.Sprintf("key:%d", batch*500+i), value))
		}
		errc := make(chan error, 1)
		go func() { errc <- c.Send(buf.Bytes()) }()
		for i := 0; i < 500; i++ {
			if r := c.Read(); string(r) != "+OK\r\n" {
				t.Fatalf("SET under allkeys-lru: %s", harness.Escape(r))
			}
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if used := infoInt(t, c, "memory", "used_memory"); used > maxSeen {
			maxSeen = used
		}
	}
	evicted := infoInt(t, c, "stats", "evicted_keys")
	dbsize := harness.MustParse(c.Do("DBSIZE")).Int()
	t.Logf("max used_memory seen %d, evicted_keys %d, dbsize %d", maxSeen, evicted, dbsize)
	// Slack for one batch of writes between eviction checks and allocator rounding.
	if maxSeen > limit+limit/4 {
		t.Errorf("used_memory reached %d with maxmemory %d", maxSeen, limit)
	}
	if evicted == 0 || dbsize >= keys || dbsize == 0 || evicted+dbsize != keys {
		t.Errorf("evicted_keys %d + dbsize %d, want a positive split of %d keys", evicted, dbsize, keys)
	}
	// The most recently written keys survive under LRU.
	c.Expect(fmt.Sprintf("$%d\r\n%s\r\n", len(value), value), "GET", fmt.Sprintf("key:%d", keys-1))
	c.Expect("*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n", "CONFIG", "GET", "maxmemory-policy")
}

func TestServerMaxmemoryNoeviction(t *testing.T) {
	srv := harness.Start(t, harness.Options{Args: []string{"--maxmemory", "5mb", "--maxmemory-policy", "noeviction"}})
	c := srv.Dial(t)
	value := strings.Repeat("n", 100<<10)
	const oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
	var last []byte
	i := 0
	for ; i < 200; i++ {
		last = c.Do("SET", fmt.Sprintf("k%d", i), value)
		if string(last) != "+OK\r\n" {
			break
		}
	}
	if string(last) != oom {
		t.Fatalf("after %d SETs of 100 KB under noeviction: %s, want the OOM error", i, harness.Escape(last))
	}
	// Writes that may grow memory are refused, reads and deletions still work.
	// The rejected request's own buffer counted towards the limit: the next large write
	// is refused the same way.
	c.Expect(oom, "SET", "another", value)
	c.Expect(fmt.Sprintf("$%d\r\n%s\r\n", len(value), value), "GET", "k0")
	c.Expect(":1\r\n", "DEL", "k0")
	c.Expect(":0\r\n", "EXISTS", "k0")
	if ev := infoInt(t, c, "stats", "evicted_keys"); ev != 0 {
		t.Errorf("evicted_keys = %d under noeviction", ev)
	}
	c.Expect("+OK\r\n", "FLUSHALL")
	c.Expect("+OK\r\n", "SET", "small", "1")
}

func TestServerActiveExpiry(t *testing.T) {
	t.Parallel()
	srv := harness.Start(t, harness.Options{Args: []string{"--enable-debug-command", "local"}})
	c := srv.Dial(t)
	for i := 0; i < 100; i++ {
		c.Expect("+OK\r\n", "SET", fmt.Sprintf("short:%d", i), "v", "PX", "100")
		c.Expect("+OK\r\n", "SET", fmt.Sprintf("keep:%d", i), "v")
	}
	// DBSIZE does not touch keys: only the active cycle can bring it down to 100.
	if !harness.WaitFor(60*time.Second, func() bool { return harness.MustParse(c.Do("DBSIZE")).Int() == 100 }) {
		t.Fatalf("keys with a 100 ms TTL not removed by active expiry: DBSIZE %s", c.Do("DBSIZE"))
	}
	if n := infoInt(t, c, "stats", "expired_keys"); n != 100 {
		t.Errorf("expired_keys = %d, want 100", n)
	}
	// avg_ttl is an estimate refreshed by the expiry cycle; once no key has a TTL the next
	// cycle brings it back to 0.
	const wantKs = "$46\r\n# Keyspace\r\ndb0:keys=100,expires=0,avg_ttl=0\r\n\r\n"
	if !harness.WaitFor(30*time.Second, func() bool { return string(c.Do("INFO", "keyspace")) == wantKs }) {
		t.Errorf("INFO keyspace: got %s, want %s", harness.Escape(c.Do("INFO", "keyspace")), harness.Escape([]byte(wantKs)))
	}

	c.Expect("+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "0")
	for i := 0; i < 50; i++ {
		c.Expect("+OK\r\n", "SET", fmt.Sprintf("lazy:%d", i), "v", "PX", "1")
	}
	// Several active-expiry periods (100 ms each in Redis) pass without expiry.
	time.Sleep(1500 * time.Millisecond)
	c.Expect(":150\r\n", "DBSIZE")
	// Accessing an expired key still removes it lazily.
	c.Expect("$-1\r\n", "GET", "lazy:0")
	c.Expect(":149\r\n", "DBSIZE")
	c.Expect("+OK\r\n", "DEBUG", "SET-ACTIVE-EXPIRE", "1")
	if !harness.WaitFor(60*time.Second, func() bool { return harness.MustParse(c.Do("DBSIZE")).Int() == 100 }) {
		t.Errorf("active expiry did not resume: DBSIZE %s", c.Do("DBSIZE"))
	}
}

func TestServerDatabases(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	a := srv.Dial(t)
	b := srv.Dial(t)
	a.Expect("+OK\r\n", "SET", "k", "db0")
	a.Expect("+OK\r\n", "SELECT", "1")
	a.Expect("+OK\r\n", "SET", "k", "db1")
	a.Expect("+OK\r\n", "SET", "t", "x", "EXAT", "4102444800")
	// SWAPDB is seen by every client at once.
	b.Expect("$3\r\ndb0\r\n", "GET", "k")
	b.Expect("+OK\r\n", "SWAPDB", "0", "1")
	b.Expect("$3\r\ndb1\r\n", "GET", "k")
	a.Expect("$3\r\ndb0\r\n", "GET", "k")
	b.Expect(":4102444800\r\n", "EXPIRETIME", "t")
	// MOVE keeps the TTL and refuses to overwrite.
	b.Expect(":1\r\n", "MOVE", "t", "5")
	b.Expect(":0\r\n", "EXISTS", "t")
	b.Expect("+OK\r\n", "SELECT", "5")
	b.Expect(":4102444800\r\n", "EXPIRETIME", "t")
	b.Expect("+OK\r\n", "SET", "k", "five")
	b.Expect(":0\r\n", "MOVE", "k", "0")
	b.Expect("$4\r\nfive\r\n", "GET", "k")
	want := "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\ndb1:keys=1,expires=0,avg_ttl=0\r\ndb5:keys=2,expires=1,avg_ttl="
	v := harness.MustParse(b.Do("INFO", "keyspace"))
	if !strings.HasPrefix(v.Str, want) {
		t.Errorf("INFO keyspace: %q, want prefix %q", v.Str, want)
	}
	b.Expect("+OK\r\n", "FLUSHDB")
	a.Expect("+OK\r\n", "SELECT", "5")
	a.Expect(":0\r\n", "DBSIZE")
	a.Expect("+OK\r\n", "SELECT", "0")
	a.Expect(":1\r\n", "DBSIZE")
}

func TestServerFlushallAsyncReleasesMemory(t *testing.T) {
	t.Parallel()
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	base := infoInt(t, c, "memory", "used_memory")
	value := strings.Repeat("m", 10<<10)
	var buf bytes.Buffer
	for i := 0; i < 5000; i++ {
		buf.Write(harness.EncodeCmd("SET", fmt.Sprintf("k%d", i), value))
	}
	go c.Send(buf.Bytes())
	for i := 0; i < 5000; i++ {
		if r := c.Read(); string(r) != "+OK\r\n" {
			t.Fatalf("SET: %s", harness.Escape(r))
		}
	}
	full := infoInt(t, c, "memory", "used_memory")
	if full < base+40<<20 {
		t.Fatalf("used_memory %d after writing 50 MB (base %d)", full, base)
	}
	c.Expect("+OK\r\n", "FLUSHALL", "ASYNC")
	c.Expect(":0\r\n", "DBSIZE")
	var now int64
	ok := harness.WaitFor(60*time.Second, func() bool {
		now = infoInt(t, c, "memory", "used_memory")
		return now < base+5<<20
	})
	if !ok {
		t.Errorf("used_memory %d did not return near the base %d after FLUSHALL ASYNC (full %d)", now, base, full)
	}
	if !harness.WaitFor(60*time.Second, func() bool { return infoInt(t, c, "memory", "lazyfree_pending_objects") == 0 }) {
		t.Errorf("lazyfree_pending_objects stays above 0")
	}
}

// TestServerRedis72ClientCommands covers CLIENT SETINFO and CLIENT NO-TOUCH, which Tessera
// implements ahead of 7.0.15 because current clients send them.
func TestServerRedis72ClientCommands(t *testing.T) {
	if harness.TargetIsReference() {
		t.Skip("reference target: Redis 7.0.15 lacks CLIENT SETINFO and CLIENT NO-TOUCH")
	}
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	c.Expect("+OK\r\n", "CLIENT", "SETINFO", "LIB-NAME", "mylib")
	c.Expect("+OK\r\n", "CLIENT", "SETINFO", "lib-ver", "1.2.3")
	info := harness.MustParse(c.Do("CLIENT", "INFO")).Text()
	if !strings.Contains(info, " lib-name=mylib ") || !strings.Contains(info, " lib-ver=1.2.3") {
		t.Errorf("CLIENT INFO after SETINFO: %q", info)
	}
	for _, bad := range [][]string{{"CLIENT", "SETINFO", "LIB-NAME", "a b"}, {"CLIENT", "SETINFO", "LIB-NAME", "a\nb"},
		{"CLIENT", "SETINFO", "FOO", "x"}} {
		if r := c.Do(bad...); !bytes.HasPrefix(r, []byte("-ERR ")) {
			t.Errorf("%s: %s, want an error", harness.QuoteArgs(bad), harness.Escape(r))
		}
	}
	c.Expect("+OK\r\n", "CLIENT", "NO-TOUCH", "ON")
	c.Expect("+OK\r\n", "CLIENT", "NO-TOUCH", "OFF")
	c.Expect("-ERR syntax error\r\n", "CLIENT", "NO-TOUCH", "maybe")
}

// sortedLines lists the non-blank lines of s in sorted order (Redis adds a blank line at
// the end on every rewrite, so blank lines are not compared).
func sortedLines(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestServerClientKill(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	ctl := srv.Dial(t)
	victims := make([]*harness.Conn, 4)
	ids := make([]string, 4)
	addrs := make([]string, 4)
	for i := range victims {
		victims[i] = srv.Dial(t)
		ids[i] = strconv.FormatInt(harness.MustParse(victims[i].Do("CLIENT", "ID")).Int(), 10)
		addrs[i] = victims[i].NetConn().LocalAddr().String()
	}
	victims[3].Expect("+OK\r\n", "SELECT", "3")
	ctl.Expect("+OK\r\n", "CLIENT", "KILL", addrs[0])
	ctl.Expect(":1\r\n", "CLIENT", "KILL", "ID", ids[1])
	ctl.Expect(":1\r\n", "CLIENT", "KILL", "ADDR", addrs[2])
	ctl.Expect(":0\r\n", "CLIENT", "KILL", "ID", ids[1])
	ctl.Expect("-ERR No such client\r\n", "CLIENT", "KILL", addrs[0])
	for i := 0; i < 3; i++ {
		if _, err := victims[i].ExpectClosed(harness.ReplyTimeout); err != nil {
			t.Errorf("killed client %d still connected: %v", i, err)
		}
	}
	victims[3].Expect("+PONG\r\n", "PING")
	// SKIPME yes (the default) spares the caller; SKIPME no includes it, and the caller
	// still gets its reply before being closed.
	ctl.Expect(":1\r\n", "CLIENT", "KILL", "TYPE", "normal")
	if _, err := victims[3].ExpectClosed(harness.ReplyTimeout); err != nil {
		t.Errorf("CLIENT KILL TYPE normal left a client: %v", err)
	}
	ctl.Expect(":1\r\n", "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no")
	if _, err := ctl.ExpectClosed(harness.ReplyTimeout); err != nil {
		t.Errorf("CLIENT KILL ... SKIPME no did not close the caller: %v", err)
	}
	c := srv.Dial(t)
	v := harness.MustParse(c.Do("CLIENT", "LIST"))
	if n := strings.Count(v.Str, "\n"); n != 1 {
		t.Errorf("CLIENT LIST after the kills lists %d clients:\n%s", n, v.Str)
	}
}

func TestServerStatsCounters(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	c.Expect("+OK\r\n", "CONFIG", "RESETSTAT")
	c.Expect("+OK\r\n", "SET", "a", "1")
	c.Do("GET", "a")
	c.Do("GET", "a")
	c.Do("GET", "missing")
	c.Do("EXISTS", "a")
	c.Do("NOSUCHCMD")
	if n := infoInt(t, c, "stats", "keyspace_hits"); n != 3 {
		t.Errorf("keyspace_hits = %d, want 3 (GET a twice, EXISTS a)", n)
	}
	if n := infoInt(t, c, "stats", "keyspace_misses"); n != 1 {
		t.Errorf("keyspace_misses = %d, want 1", n)
	}
	// CONFIG RESETSTAT, SET, 3 GET, EXISTS and INFO twice were processed; the unknown
	// command was not.
	if n := infoInt(t, c, "stats", "total_commands_processed"); n != 8 {
		t.Errorf("total_commands_processed = %d, want 8", n)
	}
	if n := infoInt(t, c, "stats", "unexpected_error_replies"); n != 0 {
		t.Errorf("unexpected_error_replies = %d", n)
	}
	if got := infoField(t, c, "errorstats", "errorstat_ERR"); got != "count=1" {
		t.Errorf("errorstat_ERR = %q, want count=1", got)
	}
	other := srv.Dial(t)
	other.Expect("+PONG\r\n", "PING")
	if n := infoInt(t, c, "clients", "connected_clients"); n != 2 {
		t.Errorf("connected_clients = %d, want 2", n)
	}
	c.Expect("+OK\r\n", "CONFIG", "RESETSTAT")
	if n := infoInt(t, c, "stats", "keyspace_hits"); n != 0 {
		t.Errorf("keyspace_hits after RESETSTAT = %d", n)
	}
	// CONFIG RESETSTAT itself and the INFO above; the running INFO is not counted yet.
	if n := infoInt(t, c, "stats", "total_commands_processed"); n != 2 {
		t.Errorf("total_commands_processed after RESETSTAT = %d, want 2", n)
	}
	// Memory figures are consistent with each other.
	used := infoInt(t, c, "memory", "used_memory")
	c.Expect("+OK\r\n", "SET", "big", strings.Repeat("x", 1<<20))
	if grown := infoInt(t, c, "memory", "used_memory"); grown < used+1<<20 {
		t.Errorf("used_memory %d after storing 1 MB (was %d)", grown, used)
	}
	if mu := harness.MustParse(c.Do("MEMORY", "USAGE", "big")).Int(); mu < 1<<20 || mu > 2<<20 {
		t.Errorf("MEMORY USAGE of a 1 MB value = %d", mu)
	}
	// TIME and LASTSAVE are about now.
	tv := harness.MustParse(c.Do("TIME"))
	if len(tv.Elems) != 2 {
		t.Fatalf("TIME: %+v", tv)
	}
	sec, _ := strconv.ParseInt(tv.Elems[0].Str, 10, 64)
	usec, _ := strconv.ParseInt(tv.Elems[1].Str, 10, 64)
	if d := time.Since(time.Unix(sec, usec*1000)); d > time.Hour || d < -time.Hour || usec >= 1000000 {
		t.Errorf("TIME %d.%06d is not the current time", sec, usec)
	}
	if ls := harness.MustParse(c.Do("LASTSAVE")).Int(); ls > time.Now().Unix()+3600 || ls < time.Now().Unix()-86400 {
		t.Errorf("LASTSAVE %d is not recent", ls)
	}
}

func TestServerLatencyMonitor(t *testing.T) {
	srv := harness.Start(t, harness.Options{Args: []string{"--enable-debug-command", "local", "--latency-monitor-threshold", "100"}})
	c := srv.Dial(t)
	c.Expect("*0\r\n", "LATENCY", "LATEST")
	c.Expect("+OK\r\n", "DEBUG", "SLEEP", "0.2")
	v := harness.MustParse(c.Do("LATENCY", "LATEST"))
	if len(v.Elems) != 1 || len(v.Elems[0].Elems) != 4 || v.Elems[0].Elems[0].Str != "command" ||
		v.Elems[0].Elems[2].Int() < 200 || v.Elems[0].Elems[3].Int() < v.Elems[0].Elems[2].Int() {
		t.Errorf("LATENCY LATEST after DEBUG SLEEP 0.2: %+v", v)
	}
	h := harness.MustParse(c.Do("LATENCY", "HISTORY", "command"))
	if len(h.Elems) != 1 || len(h.Elems[0].Elems) != 2 || h.Elems[0].Elems[1].Int() < 200 {
		t.Errorf("LATENCY HISTORY command: %+v", h)
	}
	c.Expect(":1\r\n", "LATENCY", "RESET")
	c.Expect("*0\r\n", "LATENCY", "LATEST")
}

// TestServerScanGuarantee checks SCAN's contract: every key present during the whole
// iteration is returned, while keys are added and removed between calls.
func TestServerScanGuarantee(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	const stable = 5000
	var buf bytes.Buffer
	for i := 0; i < stable; i++ {
		buf.Write(harness.EncodeCmd("SET", fmt.Sprintf("stable:%d", i), "1"))
		buf.Write(harness.EncodeCmd("SET", fmt.Sprintf("doomed:%d", i), "1"))
	}
	go c.Send(buf.Bytes())
	for i := 0; i < 2*stable; i++ {
		c.Read()
	}
	seen := map[string]bool{}
	cursor := "0"
	calls, added, deleted := 0, 0, 0
	for {
		v := harness.MustParse(c.Do("SCAN", cursor, "COUNT", "7"))
		if len(v.Elems) != 2 {
			t.Fatalf("SCAN reply: %+v", v)
		}
		cursor = v.Elems[0].Str
		for _, k := range v.Elems[1].Elems {
			seen[k.Str] = true
		}
		calls++
		// Grow and shrink the keyspace between calls (forcing rehashing).
		for j := 0; j < 20; j++ {
			c.Do("SET", fmt.Sprintf("new:%d", added), "1")
			added++
		}
		if deleted < stable {
			for j := 0; j < 10 && deleted < stable; j++ {
				c.Do("DEL", fmt.Sprintf("doomed:%d", deleted))
				deleted++
			}
		}
		if cursor == "0" || calls > 100000 {
			break
		}
	}
	if cursor != "0" {
		t.Fatalf("SCAN did not finish after %d calls", calls)
	}
	missing := 0
	for i := 0; i < stable; i++ {
		if !seen[fmt.Sprintf("stable:%d", i)] {
			missing++
		}
	}
	t.Logf("SCAN: %d calls, %d distinct keys seen, %d added, %d deleted during the scan", calls, len(seen), added, deleted)
	if missing > 0 {
		t.Errorf("SCAN missed %d of %d keys present during the whole iteration", missing, stable)
	}
}

// Secrets never reach SLOWLOG or MONITOR: AUTH, HELLO AUTH, CONFIG SET of a
// sensitive parameter and MIGRATE AUTH show "(redacted)", as Redis does.
func TestServerSecretsAreRedacted(t *testing.T) {
	srv := harness.Start(t, harness.Options{Args: []string{"--slowlog-log-slower-than", "0"}})
	mon := srv.Dial(t)
	mon.Expect("+OK\r\n", "MONITOR")
	c := srv.Dial(t)
	c.Expect("+OK\r\n", "CONFIG", "SET", "requirepass", "hunter2", "maxmemory-samples", "5")
	c.Expect("+OK\r\n", "AUTH", "hunter2")
	c.Expect("+OK\r\n", "AUTH", "default", "hunter2")
	_ = c.Do("HELLO", "2", "AUTH", "default", "hunter2")
	_ = c.Do("MIGRATE", "127.0.0.1", "1", "k", "0", "10", "AUTH", "hunter2")
	log := c.DoStr("SLOWLOG", "GET", "20")
	if strings.Contains(log, "hunter2") {
		t.Errorf("a password is in SLOWLOG GET:\n%q", log)
	}
	if !strings.Contains(log, "(redacted)") {
		t.Errorf("SLOWLOG shows no (redacted) argument:\n%q", log)
	}
	// CONFIG and SLOWLOG are admin commands, which MONITOR does not show.
	var seen strings.Builder
	for i := 0; i < 4; i++ {
		seen.Write(mon.Read())
	}
	if strings.Contains(seen.String(), "hunter2") {
		t.Errorf("a password reached MONITOR:\n%s", seen.String())
	}
	if !strings.Contains(seen.String(), `"AUTH" "(redacted)"`) {
		t.Errorf("MONITOR does not show AUTH redacted:\n%s", seen.String())
	}
}
