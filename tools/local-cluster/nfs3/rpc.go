package nfs3

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ONC RPC (RFC 5531) over TCP with record marking, used the way a hard NFS mount uses it: a call
// that gets no reply is sent again, on a new connection, for as long as it takes, and its caller
// blocks meanwhile, as a process writing to a hard-mounted file does. The retransmission keeps
// its xid, so the server's duplicate request cache answers a repeated non-idempotent call (a
// CREATE, a RENAME) from the first execution.

// Cred is the AUTH_SYS identity a call is made as: the uid and groups of the process that made
// the file-system request, so the server applies its permissions and squash rules to that process.
type Cred struct {
	Uid, Gid uint32
	Groups   []uint32
}

// ErrClosed is returned by calls made on, or waiting in, a closed client.
var ErrClosed = errors.New("nfs3: client closed")

type connection struct {
	net.Conn
	writeMu sync.Mutex
	mu      sync.Mutex
	pending map[uint32]chan []byte
	dead    chan struct{}
}

type transport struct {
	addr        string
	prog, vers  uint32
	machine     string
	timeout     time.Duration // no reply within it: reconnect and send again
	logf        func(format string, args ...any)
	nextXid     atomic.Uint32
	mu          sync.Mutex
	cur         *connection
	closed      chan struct{}
	closeOnce   sync.Once
	unreachable bool // said "not responding"; say "OK" when it answers again
}

func newTransport(addr string, prog, vers uint32, timeout time.Duration, logf func(string, ...any)) *transport {
	t := &transport{addr: addr, prog: prog, vers: vers, timeout: timeout, logf: logf, closed: make(chan struct{})}
	t.machine, _ = os.Hostname()
	t.nextXid.Store(rand.Uint32())
	return t
}

func (t *transport) close() {
	t.closeOnce.Do(func() { close(t.closed) })
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur != nil {
		t.cur.Close()
		t.cur = nil
	}
}

func (t *transport) encodeCall(xid, proc uint32, cred Cred, args []byte) []byte {
	var body encoder
	body.u32(0) // stamp
	body.str(t.machine)
	body.u32(cred.Uid)
	body.u32(cred.Gid)
	groups := cred.Groups
	if len(groups) > 16 {
		groups = groups[:16] // AUTH_SYS carries at most 16
	}
	body.u32(uint32(len(groups)))
	for _, g := range groups {
		body.u32(g)
	}
	var e encoder
	e.u32(xid)
	e.u32(0) // CALL
	e.u32(2) // RPC version
	e.u32(t.prog)
	e.u32(t.vers)
	e.u32(proc)
	e.u32(1) // AUTH_SYS
	e.opaque(body.buf)
	e.u32(0) // verifier AUTH_NONE
	e.u32(0)
	e.buf = append(e.buf, args...)
	return e.buf
}

// call sends one procedure and returns its results, retrying through any outage until the
// server answers or the client is closed. An RPC-level refusal (wrong program, bad credentials)
// is an error, never retried.
func (t *transport) call(proc uint32, cred Cred, args []byte) (*decoder, error) {
	xid := t.nextXid.Add(1)
	msg := t.encodeCall(xid, proc, cred, args)
	for {
		c, err := t.connection()
		if err != nil {
			return nil, err
		}
		reply, err := c.roundTrip(xid, msg, t.timeout, t.closed)
		if err == nil {
			t.answered()
			return parseReply(reply)
		}
		if errors.Is(err, ErrClosed) {
			return nil, err
		}
		t.drop(c, err)
	}
}

func (t *transport) answered() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.unreachable {
		t.unreachable = false
		t.logf("nfs: server %s OK", t.addr)
	}
}

func (t *transport) drop(c *connection, why error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur == c {
		t.cur = nil
		c.Close()
		if !t.unreachable {
			t.unreachable = true
			t.logf("nfs: server %s not responding (%v), still trying", t.addr, why)
		}
	}
}

// connection returns the live connection, dialling until one is made or the client is closed.
func (t *transport) connection() (*connection, error) {
	backoff := 100 * time.Millisecond
	for {
		t.mu.Lock()
		c := t.cur
		t.mu.Unlock()
		if c != nil {
			return c, nil
		}
		select {
		case <-t.closed:
			return nil, ErrClosed
		default:
		}
		conn, err := dialReserved(t.addr)
		if err == nil {
			c = &connection{Conn: conn, pending: map[uint32]chan []byte{}, dead: make(chan struct{})}
			go c.readReplies()
			t.mu.Lock()
			t.cur = c
			t.mu.Unlock()
			return c, nil
		}
		t.mu.Lock()
		if !t.unreachable {
			t.unreachable = true
			t.logf("nfs: server %s not responding (%v), still trying", t.addr, err)
		}
		t.mu.Unlock()
		select {
		case <-t.closed:
			return nil, ErrClosed
		case <-time.After(backoff):
		}
		if backoff < 2*time.Second {
			backoff *= 2
		}
	}
}

// dialReserved connects from a port below 1024 when running as root, as kernel clients do: a
// server exporting with `secure` (Linux's default) refuses other source ports.
func dialReserved(addr string) (net.Conn, error) {
	if os.Geteuid() == 0 {
		for i := 0; i < 32; i++ {
			d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{Port: 600 + rand.Intn(424)}}
			c, err := d.Dial("tcp", addr)
			if err == nil {
				return c, nil
			}
			// Taken, or still in TIME_WAIT towards this server: another port.
			if !errors.Is(err, syscall.EADDRINUSE) && !errors.Is(err, syscall.EADDRNOTAVAIL) {
				return nil, err
			}
		}
	}
	return net.DialTimeout("tcp", addr, 5*time.Second)
}

func (c *connection) roundTrip(xid uint32, msg []byte, timeout time.Duration, closed chan struct{}) ([]byte, error) {
	ch := make(chan []byte, 1)
	c.mu.Lock()
	c.pending[xid] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, xid)
		c.mu.Unlock()
	}()
	record := binary.BigEndian.AppendUint32(nil, 0x80000000|uint32(len(msg)))
	record = append(record, msg...)
	c.writeMu.Lock()
	c.SetWriteDeadline(time.Now().Add(timeout))
	_, err := c.Write(record)
	c.writeMu.Unlock()
	if err != nil {
		return nil, err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case reply := <-ch:
		return reply, nil
	case <-c.dead:
		return nil, errors.New("connection lost")
	case <-timer.C:
		return nil, fmt.Errorf("no reply within %s", timeout)
	case <-closed:
		return nil, ErrClosed
	}
}

func (c *connection) readReplies() {
	defer close(c.dead)
	var record []byte
	header := make([]byte, 4)
	for {
		if _, err := io.ReadFull(c, header); err != nil {
			return
		}
		mark := binary.BigEndian.Uint32(header)
		fragment := make([]byte, mark&0x7fffffff)
		if _, err := io.ReadFull(c, fragment); err != nil {
			return
		}
		record = append(record, fragment...)
		if mark&0x80000000 == 0 {
			continue
		}
		if len(record) >= 4 {
			xid := binary.BigEndian.Uint32(record)
			c.mu.Lock()
			ch := c.pending[xid]
			c.mu.Unlock()
			if ch != nil {
				ch <- record[4:]
			}
		}
		record = nil
	}
}

// RPCError is a call the server refused at the RPC layer.
type RPCError struct{ Reason string }

func (e *RPCError) Error() string { return "nfs3: RPC refused: " + e.Reason }

func parseReply(b []byte) (*decoder, error) {
	d := &decoder{buf: b}
	if d.u32() != 1 {
		return nil, &RPCError{"not a reply"}
	}
	switch d.u32() {
	case 0: // MSG_ACCEPTED
		d.u32()
		d.opaque(400) // verifier
		switch stat := d.u32(); stat {
		case 0:
			return d, d.err
		case 1:
			return nil, &RPCError{"program unavailable"}
		case 2:
			return nil, &RPCError{fmt.Sprintf("program version mismatch (server: %d-%d)", d.u32(), d.u32())}
		case 3:
			return nil, &RPCError{"procedure unavailable"}
		case 4:
			return nil, &RPCError{"garbage arguments"}
		default:
			return nil, &RPCError{fmt.Sprintf("accept status %d", stat)}
		}
	default: // MSG_DENIED
		if d.u32() == 0 {
			return nil, &RPCError{"RPC version mismatch"}
		}
		return nil, &RPCError{fmt.Sprintf("authentication error %d (the export may demand another security flavour or a reserved source port)", d.u32())}
	}
}
