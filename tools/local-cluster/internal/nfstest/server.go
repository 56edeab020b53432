// Package nfstest runs a real NFS server for tests: Debian's nfs-ganesha (VFS backend) on
// loopback, exporting a fresh directory with root squashed to 65534, as the local cluster runs
// it. Needs root (the VFS backend opens files by handle) and rpcbind, which ganesha registers its
// NFSv3 services with (started here when none answers). `npm run test:tools` runs the tests in
// network and mount namespaces of their own, with a /run of their own: each ganesha re-registers
// NFS and MOUNT with rpcbind, which on the host would point the local cluster's mounts at a
// test's server, and rpcbind keeps its lock and socket under /run. That namespace has an
// address besides loopback (on a bridge with no ports, so nothing leaves it): ganesha resolves its
// Bind_addr with AI_ADDRCONFIG, which finds no IPv4 on a machine with loopback alone.
package nfstest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// SquashedTo is the uid and gid root's requests are mapped to.
const SquashedTo = 65534

// Server is one ganesha; Stop and Restart it to play an outage (its file handles survive).
type Server struct {
	t   *testing.T
	dir string
	// Export is the exported directory, on this machine's disk.
	Export             string
	NFSPort, MountPort int
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

// Start runs a server until the test ends.
func Start(t *testing.T) *Server {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("runs as root: ganesha's VFS backend needs CAP_DAC_READ_SEARCH")
	}
	for _, tool := range []string{"ganesha.nfsd", "rpcbind"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run scripts/install/install-packages", tool)
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
	s := &Server{t: t, dir: t.TempDir(), NFSPort: freePort(t), MountPort: freePort(t)}
	s.Export = filepath.Join(s.dir, "export")
	if err := os.Mkdir(s.Export, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(s.Export, 0o777)
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
`, s.NFSPort, s.MountPort, s.Export, SquashedTo, SquashedTo)
	if err := os.WriteFile(filepath.Join(s.dir, "ganesha.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) Restart() {
	s.cmd = exec.Command("ganesha.nfsd", "-F", "-f", filepath.Join(s.dir, "ganesha.conf"),
		"-L", filepath.Join(s.dir, "ganesha.log"), "-p", filepath.Join(s.dir, "ganesha.pid"))
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	waitListening(s.t, s.MountPort)
	waitListening(s.t, s.NFSPort)
}

func (s *Server) Stop() {
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
