package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// contextDigest hashes what a build sees: every file of the context not excluded by its
// .dockerignore (path, mode and content), so a changed file in the context is a diff even when
// the image name stays the same.
func contextDigest(dir string) (string, error) {
	ignored, err := dockerignore(dir)
	if err != nil {
		return "", err
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel != "." && ignored(filepath.ToSlash(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("build context %s: %w", dir, err)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, rel := range files {
		info, err := os.Lstat(filepath.Join(dir, rel))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%o\x00", filepath.ToSlash(rel), info.Mode())
		if info.Mode().IsRegular() {
			f, err := os.Open(filepath.Join(dir, rel))
			if err != nil {
				return "", err
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return "", err
			}
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// dockerignore reads <dir>/.dockerignore: glob patterns, `!` re-includes, comments skipped.
func dockerignore(dir string) (func(string) bool, error) {
	var patterns []string
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if line := strings.TrimSpace(s.Text()); line != "" && !strings.HasPrefix(line, "#") {
				patterns = append(patterns, strings.TrimPrefix(line, "/"))
			}
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	return func(rel string) bool {
		excluded := false
		for _, p := range patterns {
			negate := strings.HasPrefix(p, "!")
			p = strings.TrimPrefix(p, "!")
			if ok, _ := filepath.Match(p, rel); ok || strings.HasPrefix(rel, strings.TrimSuffix(p, "/")+"/") {
				excluded = !negate
			}
		}
		return excluded
	}, nil
}
