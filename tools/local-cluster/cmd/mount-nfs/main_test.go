package main

// The command as the kubelet runs it, against a real NFS server (internal/nfstest).

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"middleware.local/tools/local-cluster/internal/nfstest"
)

func TestParseTakesTheKubeletsArguments(t *testing.T) {
	r, err := parse([]string{"mount", "-t", "nfs", "-o", "vers=3,hard,port=2049,mountport=20048,timeo=50,rsize=1048576", "10.0.0.1:/exports/a", "/var/lib/kubelet/pods/x/volumes/y"})
	if err != nil {
		t.Fatal(err)
	}
	if r.host != "10.0.0.1" || r.export != "/exports/a" || r.port != 2049 || r.mountPort != 20048 || r.timeout != 5*time.Second || r.target != "/var/lib/kubelet/pods/x/volumes/y" {
		t.Fatalf("parsed %+v", r)
	}
	for args, want := range map[string]string{
		"-t nfs -o soft h:/e /d":        "option soft: refused",
		"-t nfs -o nfsvers=4.1 h:/e /d": "NFS version 3 only",
		"-t nfs -o port=x h:/e /d":      `option port: "x" is not a positive number`,
		"-t nfs h /d":                   `"h" is not SERVER:/PATH`,
		"-t nfs h:/e":                   "usage: mount-nfs",
	} {
		if _, err := parse(strings.Fields(args)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
}

func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mount-nfs")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// mount mounts the server's export on a new directory as the kubelet would and unmounts it when
// the test ends.
func mount(t *testing.T, bin string, s *nfstest.Server) string {
	t.Helper()
	dir := filepath.Join(openTempDir(t), "volume")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "mount", "-t", "nfs", "-o", "vers=3,hard", "127.0.0.1:"+s.Export, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("mount: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// openTempDir is a temporary directory the workload's uid may enter.
func openTempDir(t *testing.T) string {
	dir := t.TempDir()
	// The test's own directory above it too.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mounted(dir string) bool {
	mounts, _ := os.ReadFile("/proc/mounts")
	return strings.Contains(string(mounts), " "+dir+" fuse.nfs ")
}

func asApp(script string, dir string) *exec.Cmd {
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 10001, Gid: 10001}}
	return cmd
}

func TestAWorkloadRunsOnTheMountAsItsOwnUser(t *testing.T) {
	s := nfstest.Start(t)
	bin := build(t)
	dir := mount(t, bin, s)
	source := filepath.Join(openTempDir(t), "source")
	data := make([]byte, 32<<20)
	rand.Read(data)
	if err := os.WriteFile(source, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// What Redis's AOF and ZooKeeper's logs and snapshots do: fsync'd writes, appends, a rename
	// into place, directories and an fsync of one (Redis 7 after each AOF manifest change); and what
	// a careful admin's tools do: links, chmod, truncate.
	script := fmt.Sprintf(`
mkdir -p data/appendonlydir
dd if=%s of=data/temp-rewrite.aof bs=1M conv=fsync status=none
mv data/temp-rewrite.aof data/appendonlydir/appendonly.aof.1.base.rdb
echo 'SET k v' >> data/appendonlydir/appendonly.aof.1.incr.aof
echo 'SET k w' >> data/appendonlydir/appendonly.aof.1.incr.aof
sync data/appendonlydir
ln data/appendonlydir/appendonly.aof.1.incr.aof data/hard-link
ln -s appendonlydir data/link
chmod 600 data/hard-link
cp data/hard-link data/copy && truncate -s 4 data/copy
test "$(cat data/link/appendonly.aof.1.incr.aof)" = "$(printf 'SET k v\nSET k w')"
test "$(stat -c %%h data/hard-link)" = 2
test "$(stat -c '%%a %%u %%g' data/appendonlydir/appendonly.aof.1.incr.aof)" = "600 10001 10001"
test "$(cat data/copy)" = "SET "
df -P . | tail -n1 | awk '$2 > 0 { ok = 1 } END { exit !ok }'
`, source)
	if out, err := asApp(script, dir).CombinedOutput(); err != nil {
		t.Fatalf("the workload failed: %v\n%s", err, out)
	}
	onServer, err := os.ReadFile(filepath.Join(s.Export, "data/appendonlydir/appendonly.aof.1.base.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	if md5.Sum(onServer) != md5.Sum(data) {
		t.Fatal("the 32 MiB file on the server's disk differs from what was written")
	}
	info, err := os.Stat(filepath.Join(s.Export, "data/appendonlydir"))
	if err != nil {
		t.Fatal(err)
	}
	if st := info.Sys().(*syscall.Stat_t); st.Uid != 10001 || st.Gid != 10001 {
		t.Fatalf("the directory is owned by %d:%d on the server, want 10001:10001", st.Uid, st.Gid)
	}
	// Root in a pod is squashed, as on a kernel client of this export.
	if err := os.WriteFile(filepath.Join(dir, "by-root"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	info, _ = os.Stat(filepath.Join(s.Export, "by-root"))
	if st := info.Sys().(*syscall.Stat_t); st.Uid != nfstest.SquashedTo {
		t.Fatalf("root's file is owned by %d on the server, want %d", st.Uid, nfstest.SquashedTo)
	}
	if err := os.Chown(filepath.Join(dir, "data/copy"), 0, 0); err == nil {
		t.Fatal("a squashed root gave a file away")
	}
	// The kubelet unmounts with umount(8); the daemon then ends.
	if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v\n%s", err, out)
	}
	if mounted(dir) {
		t.Fatal("still mounted after umount")
	}
	logName := strings.ReplaceAll(strings.Trim(dir, "/"), "/", "_") + ".log"
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, _ := os.ReadFile(filepath.Join(logDir, logName))
		if bytes.Contains(log, []byte(dir+" unmounted")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not say it ended:\n%s", log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestAnFsyncBlocksThroughAnOutageAndLandsAfterIt(t *testing.T) {
	s := nfstest.Start(t)
	dir := mount(t, build(t), s)
	f, err := os.OpenFile(filepath.Join(dir, "zookeeper-log"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("txn 1\n"); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	done := make(chan error, 1)
	go func() {
		_, err := f.WriteString("txn 2\n")
		if err == nil {
			err = f.Sync()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the write returned while the server was down (%v); a hard mount blocks", err)
	case <-time.After(3 * time.Second):
	}
	s.Restart()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the write failed after the server came back: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the write did not complete within 60 s of the server's return")
	}
	if got, _ := os.ReadFile(filepath.Join(s.Export, "zookeeper-log")); string(got) != "txn 1\ntxn 2\n" {
		t.Fatalf("the server holds %q", got)
	}
}

func TestRefusesASoftMountSayingWhy(t *testing.T) {
	out, err := exec.Command(build(t), "mount", "-t", "nfs", "-o", "soft", "127.0.0.1:/x", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "option soft: refused") {
		t.Fatalf("soft mount: %v\n%s", err, out)
	}
}
