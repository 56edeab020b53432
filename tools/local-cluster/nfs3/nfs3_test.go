package nfs3

// Against a real NFS server: Debian's nfs-ganesha (VFS backend) on loopback, exporting a fresh
// directory with root squashed, as the local cluster runs it. Needs root (ganesha's VFS backend
// opens files by handle) and `rpcbind`, which ganesha registers its NFSv3 services with.

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

const squashedTo = 65534

var app = Cred{Uid: 10001, Gid: 10001}

type server struct {
	t                  *testing.T
	dir, export        string
	nfsPort, mountPort int
	cmd                *exec.Cmd
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startServer(t *testing.T) *server {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("runs as root: ganesha's VFS backend needs CAP_DAC_READ_SEARCH")
	}
	for _, tool := range []string{"ganesha.nfsd", "rpcbind"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run scripts/install-packages", tool)
		}
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:111", time.Second); err == nil {
		c.Close()
	} else {
		rpcbind := exec.Command("rpcbind", "-f")
		if err := rpcbind.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rpcbind.Process.Kill(); rpcbind.Wait() })
		waitListening(t, 111)
	}
	s := &server{t: t, dir: t.TempDir(), nfsPort: freePort(t), mountPort: freePort(t)}
	s.export = filepath.Join(s.dir, "export")
	if err := os.Mkdir(s.export, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(s.export, 0o777)
	conf := fmt.Sprintf(`NFS_CORE_PARAM {
  Protocols = 3;
  Bind_addr = 127.0.0.1;
  NFS_Port = %d;
  MNT_Port = %d;
  Enable_NLM = false;
  Enable_RQUOTA = false;
}
NFSV4 { Graceless = true; }
EXPORT {
  Export_Id = 1;
  Path = %s;
  Pseudo = /export;
  Protocols = 3;
  Transports = TCP;
  Access_Type = RW;
  Squash = Root_Squash;
  Anonymous_Uid = %d;
  Anonymous_Gid = %d;
  SecType = sys;
  FSAL { Name = VFS; }
}
`, s.nfsPort, s.mountPort, s.export, squashedTo, squashedTo)
	if err := os.WriteFile(filepath.Join(s.dir, "ganesha.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *server) start() {
	s.cmd = exec.Command("ganesha.nfsd", "-F", "-f", filepath.Join(s.dir, "ganesha.conf"),
		"-L", filepath.Join(s.dir, "ganesha.log"), "-p", filepath.Join(s.dir, "ganesha.pid"))
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	waitListening(s.t, s.mountPort)
	waitListening(s.t, s.nfsPort)
}

func (s *server) stop() {
	if s.cmd != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

func waitListening(t *testing.T, port int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on 127.0.0.1:%d after 30 s", port)
}

func (s *server) dial(t *testing.T) *Client {
	t.Helper()
	c, err := Dial(fmt.Sprintf("127.0.0.1:%d", s.nfsPort), fmt.Sprintf("127.0.0.1:%d", s.mountPort), s.export,
		Cred{}, 5*time.Second, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// must[T](t)(f()) is f's value, or the test stops on its error.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func owner(t *testing.T, path string) (uint32, uint32) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := info.Sys().(*syscall.Stat_t)
	return st.Uid, st.Gid
}

func TestFilesAsTheCallerWithRootSquashed(t *testing.T) {
	s := startServer(t)
	c := s.dial(t)
	data := make([]byte, 3<<20+17) // more than one WRITE and READ
	rand.Read(data)
	fh, attr, err := c.Create(app, c.Root(), "appendonly.aof", 0o600, true)
	if err != nil {
		t.Fatal(err)
	}
	if attr.Uid != app.Uid || attr.Mode != 0o600 {
		t.Fatalf("created as uid %d mode %o, want %d and 600", attr.Uid, attr.Mode, app.Uid)
	}
	if _, _, err := c.Create(app, c.Root(), "appendonly.aof", 0o600, true); !errors.Is(err, syscall.EEXIST) {
		t.Fatalf("an exclusive create of an existing name: %v, want EEXIST", err)
	}
	if n := must[int](t)(c.Write(app, fh, data, 0)); n != len(data) {
		t.Fatalf("wrote %d of %d", n, len(data))
	}
	back := make([]byte, len(data)+100)
	if n := must[int](t)(c.Read(app, fh, back, 0)); n != len(data) || !bytes.Equal(back[:n], data) {
		t.Fatalf("read back %d bytes, not what was written", n)
	}
	// On the server's disk, as the caller.
	if onDisk := must[[]byte](t)(os.ReadFile(filepath.Join(s.export, "appendonly.aof"))); !bytes.Equal(onDisk, data) {
		t.Fatal("the server's file differs from what was written")
	}
	if uid, gid := owner(t, filepath.Join(s.export, "appendonly.aof")); uid != app.Uid || gid != app.Gid {
		t.Fatalf("owned by %d:%d on the server, want %d:%d", uid, gid, app.Uid, app.Gid)
	}
	// Root is squashed: what it creates belongs to the anonymous user, and it cannot chown.
	_, rootAttr, err := c.Mkdir(Cred{}, c.Root(), "by-root", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if rootAttr.Uid != squashedTo {
		t.Fatalf("root's directory is owned by %d, want the anonymous %d", rootAttr.Uid, squashedTo)
	}
	uid := app.Uid
	if _, err := c.Setattr(Cred{}, fh, SetAttr{Uid: &uid}); !errors.Is(err, syscall.EPERM) {
		t.Fatalf("a squashed root's chown: %v, want EPERM", err)
	}
	// Permissions apply to the caller: another uid cannot read a 0600 file.
	other := Cred{Uid: 10002, Gid: 10002}
	if _, err := c.Read(other, fh, make([]byte, 10), 0); !errors.Is(err, syscall.EACCES) {
		t.Fatalf("another uid reading a 0600 file: %v, want EACCES", err)
	}
	if _, _, err := c.Lookup(app, c.Root(), "missing"); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("lookup of a missing name: %v, want ENOENT", err)
	}
}

func TestHandlesSurviveRenameAndLinkAsOnALocalDisk(t *testing.T) {
	s := startServer(t)
	c := s.dial(t)
	dir, _ := must2(t)(c.Mkdir(app, c.Root(), "version-2", 0o755))
	fh, _ := must2(t)(c.Create(app, dir, "log.1.tmp", 0o644, false))
	must[int](t)(c.Write(app, fh, []byte("first "), 0))
	// ZooKeeper and Redis write a temporary file and rename it into place while it is open.
	if err := c.Rename(app, dir, "log.1.tmp", dir, "log.1"); err != nil {
		t.Fatal(err)
	}
	must[int](t)(c.Write(app, fh, []byte("second"), 6))
	if got := string(must[[]byte](t)(os.ReadFile(filepath.Join(s.export, "version-2", "log.1")))); got != "first second" {
		t.Fatalf("the renamed file holds %q", got)
	}
	if err := c.Link(app, fh, dir, "log.1.link"); err != nil {
		t.Fatal(err)
	}
	if a := must[Attr](t)(c.Getattr(app, fh)); a.Nlink != 2 {
		t.Fatalf("nlink %d after a hard link, want 2", a.Nlink)
	}
	if _, _, err := c.Symlink(app, dir, "current", "log.1"); err != nil {
		t.Fatal(err)
	}
	_, linkAttr := must2(t)(c.Lookup(app, dir, "current"))
	if linkAttr.Type != Symlink {
		t.Fatalf("type %d, want a symlink", linkAttr.Type)
	}
	lfh, _ := must2(t)(c.Lookup(app, dir, "current"))
	if target := must[string](t)(c.Readlink(app, lfh)); target != "log.1" {
		t.Fatalf("readlink %q", target)
	}
	var names []string
	for _, e := range must[[]Entry](t)(c.ReadDir(app, dir)) {
		names = append(names, e.Name)
		if e.Handle == nil || e.Attr == nil {
			t.Fatalf("%s listed without handle or attributes", e.Name)
		}
	}
	if got := strings.Join(sorted(names), " "); got != "current log.1 log.1.link" {
		t.Fatalf("listed %q", got)
	}
	size := uint64(5)
	mode := uint32(0o600)
	if a := must[Attr](t)(c.Setattr(app, fh, SetAttr{Size: &size, Mode: &mode})); a.Size != 5 || a.Mode != 0o600 {
		t.Fatalf("after truncate and chmod: size %d mode %o", a.Size, a.Mode)
	}
	if err := c.Rmdir(app, c.Root(), "version-2"); !errors.Is(err, syscall.ENOTEMPTY) {
		t.Fatalf("rmdir of a full directory: %v, want ENOTEMPTY", err)
	}
	for _, n := range []string{"current", "log.1", "log.1.link"} {
		if err := c.Remove(app, dir, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Rmdir(app, c.Root(), "version-2"); err != nil {
		t.Fatal(err)
	}
	st := must[FSStat](t)(c.Fsstat(app))
	if st.TotalBytes == 0 || st.AvailBytes > st.TotalBytes {
		t.Fatalf("fsstat %+v", st)
	}
}

func TestAWriteBlocksWhileTheServerIsDownAndLandsWhenItIsBack(t *testing.T) {
	s := startServer(t)
	c := s.dial(t)
	fh, _ := must2(t)(c.Create(app, c.Root(), "aof", 0o644, false))
	must[int](t)(c.Write(app, fh, []byte("before "), 0))
	s.stop()
	done := make(chan error, 1)
	go func() {
		_, err := c.Write(app, fh, []byte("during the outage"), 7)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the write returned while the server was down (%v): a hard mount blocks", err)
	case <-time.After(3 * time.Second):
	}
	s.start()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the write failed once the server was back: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the write did not complete within 60 s of the server's return")
	}
	if got := string(must[[]byte](t)(os.ReadFile(filepath.Join(s.export, "aof")))); got != "before during the outage" {
		t.Fatalf("the file holds %q", got)
	}
	// Close releases a caller that is still waiting.
	s.stop()
	go func() {
		_, err := c.Getattr(app, fh)
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("a call waiting on a closed client returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not release a waiting call")
	}
}

func must2(t *testing.T) func([]byte, Attr, error) ([]byte, Attr) {
	return func(fh []byte, a Attr, err error) ([]byte, Attr) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return fh, a
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
