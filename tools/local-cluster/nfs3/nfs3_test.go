package nfs3

// Against a real NFS server (internal/nfstest).

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"middleware.local/tools/local-cluster/internal/nfstest"
	"testing"
	"time"
)

var app = Cred{Uid: 10001, Gid: 10001}

func dial(t *testing.T, s *nfstest.Server) *Client {
	t.Helper()
	c, err := Dial(fmt.Sprintf("127.0.0.1:%d", s.NFSPort), fmt.Sprintf("127.0.0.1:%d", s.MountPort), s.Export,
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
	s := nfstest.Start(t)
	c := dial(t, s)
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
	if onDisk := must[[]byte](t)(os.ReadFile(filepath.Join(s.Export, "appendonly.aof"))); !bytes.Equal(onDisk, data) {
		t.Fatal("the server's file differs from what was written")
	}
	if uid, gid := owner(t, filepath.Join(s.Export, "appendonly.aof")); uid != app.Uid || gid != app.Gid {
		t.Fatalf("owned by %d:%d on the server, want %d:%d", uid, gid, app.Uid, app.Gid)
	}
	// Root is squashed: what it creates belongs to the anonymous user, and it cannot chown.
	_, rootAttr, err := c.Mkdir(Cred{}, c.Root(), "by-root", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if rootAttr.Uid != nfstest.SquashedTo {
		t.Fatalf("root's directory is owned by %d, want the anonymous %d", rootAttr.Uid, nfstest.SquashedTo)
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
	s := nfstest.Start(t)
	c := dial(t, s)
	dir, _ := must2(t)(c.Mkdir(app, c.Root(), "version-2", 0o755))
	fh, _ := must2(t)(c.Create(app, dir, "log.1.tmp", 0o644, false))
	must[int](t)(c.Write(app, fh, []byte("first "), 0))
	// ZooKeeper and Redis write a temporary file and rename it into place while it is open.
	if err := c.Rename(app, dir, "log.1.tmp", dir, "log.1"); err != nil {
		t.Fatal(err)
	}
	must[int](t)(c.Write(app, fh, []byte("second"), 6))
	if got := string(must[[]byte](t)(os.ReadFile(filepath.Join(s.Export, "version-2", "log.1")))); got != "first second" {
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
	s := nfstest.Start(t)
	c := dial(t, s)
	fh, _ := must2(t)(c.Create(app, c.Root(), "aof", 0o644, false))
	must[int](t)(c.Write(app, fh, []byte("before "), 0))
	s.Stop()
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
	s.Restart()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the write failed once the server was back: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the write did not complete within 60 s of the server's return")
	}
	if got := string(must[[]byte](t)(os.ReadFile(filepath.Join(s.Export, "aof")))); got != "before during the outage" {
		t.Fatalf("the file holds %q", got)
	}
	// Close releases a caller that is still waiting.
	s.Stop()
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
