// Package nfsfuse serves an NFSv3 export (through package nfs3) as a FUSE file system. Each node
// holds the server's handle of its file, so an open file stays the same file across renames, and
// each request goes to the server as the process that made it (uid, gid and groups): permissions
// and squash rules are the server's, as with a kernel NFS mount.
package nfsfuse

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"middleware.local/tools/local-cluster/nfs3"
)

// Node is a file, directory or link of the export.
type Node struct {
	fs.Inode
	client *nfs3.Client
	fh     []byte
}

// Root is the node of the exported directory.
func Root(c *nfs3.Client) *Node { return &Node{client: c, fh: c.Root()} }

var (
	_ fs.NodeGetattrer  = (*Node)(nil)
	_ fs.NodeSetattrer  = (*Node)(nil)
	_ fs.NodeLookuper   = (*Node)(nil)
	_ fs.NodeReaddirer  = (*Node)(nil)
	_ fs.NodeMkdirer    = (*Node)(nil)
	_ fs.NodeCreater    = (*Node)(nil)
	_ fs.NodeSymlinker  = (*Node)(nil)
	_ fs.NodeLinker     = (*Node)(nil)
	_ fs.NodeReadlinker = (*Node)(nil)
	_ fs.NodeUnlinker   = (*Node)(nil)
	_ fs.NodeRmdirer    = (*Node)(nil)
	_ fs.NodeRenamer    = (*Node)(nil)
	_ fs.NodeOpener     = (*Node)(nil)
	_ fs.NodeReader     = (*Node)(nil)
	_ fs.NodeWriter     = (*Node)(nil)
	_ fs.NodeFsyncer    = (*Node)(nil)
	_ fs.NodeFlusher    = (*Node)(nil)
	_ fs.NodeStatfser   = (*Node)(nil)
)

// credOf is the identity of the process behind a request, its supplementary groups included.
func credOf(ctx context.Context) nfs3.Cred {
	caller, ok := fuse.FromContext(ctx)
	if !ok {
		return nfs3.Cred{}
	}
	cred := nfs3.Cred{Uid: caller.Uid, Gid: caller.Gid}
	if status, err := os.ReadFile("/proc/" + strconv.Itoa(int(caller.Pid)) + "/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if groups, found := strings.CutPrefix(line, "Groups:"); found {
				for _, g := range strings.Fields(groups) {
					if n, err := strconv.ParseUint(g, 10, 32); err == nil {
						cred.Groups = append(cred.Groups, uint32(n))
					}
				}
			}
		}
	}
	return cred
}

func errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var st nfs3.Status
	if errors.As(err, &st) {
		return st.Errno()
	}
	return syscall.EIO
}

var typeBits = map[nfs3.FileType]uint32{
	nfs3.Regular: syscall.S_IFREG, nfs3.Directory: syscall.S_IFDIR, nfs3.Symlink: syscall.S_IFLNK,
	nfs3.Block: syscall.S_IFBLK, nfs3.Char: syscall.S_IFCHR, nfs3.Socket: syscall.S_IFSOCK, nfs3.FIFO: syscall.S_IFIFO,
}

func fill(out *fuse.Attr, a nfs3.Attr) {
	out.Ino = a.Fileid
	out.Size = a.Size
	out.Blocks = (a.Used + 511) / 512
	out.Blksize = 4096
	out.Mode = typeBits[a.Type] | a.Mode
	out.Nlink = a.Nlink
	out.Owner = fuse.Owner{Uid: a.Uid, Gid: a.Gid}
	out.SetTimes(&a.Atime, &a.Mtime, &a.Ctime)
}

func (n *Node) child(ctx context.Context, fh []byte, a nfs3.Attr, out *fuse.EntryOut) *fs.Inode {
	fill(&out.Attr, a)
	out.SetEntryTimeout(time.Second)
	out.SetAttrTimeout(time.Second)
	return n.NewInode(ctx, &Node{client: n.client, fh: fh}, fs.StableAttr{Mode: typeBits[a.Type], Ino: a.Fileid})
}

func (n *Node) Getattr(ctx context.Context, _ fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	a, err := n.client.Getattr(credOf(ctx), n.fh)
	if err != nil {
		return errno(err)
	}
	fill(&out.Attr, a)
	out.SetTimeout(time.Second)
	return 0
}

func (n *Node) Setattr(ctx context.Context, _ fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	var s nfs3.SetAttr
	if m, ok := in.GetMode(); ok {
		m &= 07777
		s.Mode = &m
	}
	if u, ok := in.GetUID(); ok {
		s.Uid = &u
	}
	if g, ok := in.GetGID(); ok {
		s.Gid = &g
	}
	if size, ok := in.GetSize(); ok {
		s.Size = &size
	}
	now := time.Now()
	if t, ok := in.GetATime(); ok {
		s.Atime = &t
	} else if in.Valid&fuse.FATTR_ATIME_NOW != 0 {
		s.Atime = &now
	}
	if t, ok := in.GetMTime(); ok {
		s.Mtime = &t
	} else if in.Valid&fuse.FATTR_MTIME_NOW != 0 {
		s.Mtime = &now
	}
	a, err := n.client.Setattr(credOf(ctx), n.fh, s)
	if err != nil {
		return errno(err)
	}
	fill(&out.Attr, a)
	out.SetTimeout(time.Second)
	return 0
}

func (n *Node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	fh, a, err := n.client.Lookup(credOf(ctx), n.fh, name)
	if err != nil {
		return nil, errno(err)
	}
	return n.child(ctx, fh, a, out), 0
}

func (n *Node) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	entries, err := n.client.ReadDir(credOf(ctx), n.fh)
	if err != nil {
		return nil, errno(err)
	}
	list := make([]fuse.DirEntry, 0, len(entries))
	for _, e := range entries {
		var mode uint32
		if e.Attr != nil {
			mode = typeBits[e.Attr.Type]
		}
		list = append(list, fuse.DirEntry{Name: e.Name, Ino: e.Fileid, Mode: mode})
	}
	return fs.NewListDirStream(list), 0
}

func (n *Node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	fh, a, err := n.client.Mkdir(credOf(ctx), n.fh, name, mode&07777)
	if err != nil {
		return nil, errno(err)
	}
	return n.child(ctx, fh, a, out), 0
}

func (n *Node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	fh, a, err := n.client.Create(credOf(ctx), n.fh, name, mode&07777, flags&syscall.O_EXCL != 0)
	if err != nil {
		return nil, nil, 0, errno(err)
	}
	return n.child(ctx, fh, a, out), nil, 0, 0
}

func (n *Node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	fh, a, err := n.client.Symlink(credOf(ctx), n.fh, name, target)
	if err != nil {
		return nil, errno(err)
	}
	return n.child(ctx, fh, a, out), 0
}

func (n *Node) Link(ctx context.Context, target fs.InodeEmbedder, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	other, ok := target.(*Node)
	if !ok {
		return nil, syscall.EXDEV
	}
	cred := credOf(ctx)
	if err := n.client.Link(cred, other.fh, n.fh, name); err != nil {
		return nil, errno(err)
	}
	fh, a, err := n.client.Lookup(cred, n.fh, name)
	if err != nil {
		return nil, errno(err)
	}
	return n.child(ctx, fh, a, out), 0
}

func (n *Node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	target, err := n.client.Readlink(credOf(ctx), n.fh)
	return []byte(target), errno(err)
}

func (n *Node) Unlink(ctx context.Context, name string) syscall.Errno {
	return errno(n.client.Remove(credOf(ctx), n.fh, name))
}

func (n *Node) Rmdir(ctx context.Context, name string) syscall.Errno {
	return errno(n.client.Rmdir(credOf(ctx), n.fh, name))
}

func (n *Node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	to, ok := newParent.(*Node)
	if !ok {
		return syscall.EXDEV
	}
	if flags != 0 {
		return syscall.EINVAL // RENAME_NOREPLACE and RENAME_EXCHANGE have no NFSv3 equivalent
	}
	return errno(n.client.Rename(credOf(ctx), n.fh, name, to.fh, newName))
}

// Open keeps no state: reads and writes go by the node's handle. The page cache is dropped on
// every open, so a file another client changed is read fresh.
func (n *Node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, 0, 0
}

func (n *Node) Read(ctx context.Context, _ fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	got, err := n.client.Read(credOf(ctx), n.fh, dest, uint64(off))
	if err != nil {
		return nil, errno(err)
	}
	return fuse.ReadResultData(dest[:got]), 0
}

// Write is stable when it returns (FILE_SYNC): a process that wrote, then crashed or lost its
// node, loses nothing the call returned for.
func (n *Node) Write(ctx context.Context, _ fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	written, err := n.client.Write(credOf(ctx), n.fh, data, uint64(off))
	return uint32(written), errno(err)
}

// Fsync commits, although every write already was: it costs one round trip and keeps the
// promise should writes ever be made UNSTABLE. A directory has nothing to commit (the server
// answers COMMIT on one with ISDIR): NFSv3 has the server make every create, remove and rename
// stable before it replies. Redis 7 fsyncs its AOF directory after each manifest change and stops
// when that fails.
func (n *Node) Fsync(ctx context.Context, _ fs.FileHandle, flags uint32) syscall.Errno {
	if n.IsDir() {
		return 0
	}
	return errno(n.client.Commit(credOf(ctx), n.fh))
}

func (n *Node) Flush(ctx context.Context, _ fs.FileHandle) syscall.Errno { return 0 }

func (n *Node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	st, err := n.client.Fsstat(credOf(ctx))
	if err != nil {
		return errno(err)
	}
	const block = 4096
	out.Bsize = block
	out.Frsize = block
	out.Blocks = st.TotalBytes / block
	out.Bfree = st.FreeBytes / block
	out.Bavail = st.AvailBytes / block
	out.Files = st.TotalFiles
	out.Ffree = st.FreeFiles
	out.NameLen = 255
	return 0
}
