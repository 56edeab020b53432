// Command nft-tables prints the nftables tables in the kernel, one "family name" per line, as
// `nft list tables` would: this machine has no nft command, and the local cluster's tests use it
// to see that the NetworkPolicy engine's table exists while the engine runs and is gone after it.
package main

import (
	"fmt"
	"os"

	"github.com/google/nftables"
)

var families = map[nftables.TableFamily]string{
	nftables.TableFamilyINet:   "inet",
	nftables.TableFamilyIPv4:   "ip",
	nftables.TableFamilyIPv6:   "ip6",
	nftables.TableFamilyARP:    "arp",
	nftables.TableFamilyNetdev: "netdev",
	nftables.TableFamilyBridge: "bridge",
}

func main() {
	conn, err := nftables.New()
	if err == nil {
		var tables []*nftables.Table
		if tables, err = conn.ListTables(); err == nil {
			for _, t := range tables {
				fmt.Printf("%s %s\n", families[t.Family], t.Name)
			}
			return
		}
	}
	fmt.Fprintf(os.Stderr, "nft-tables: %v\n", err)
	os.Exit(1)
}
