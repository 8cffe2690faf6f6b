package main

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine is what the report says about the computer it ran on.
type machine struct {
	cpus   int
	model  string
	memory string
	goVer  string
	os     string
	load   string
	commit string
}

func readMachine() machine {
	m := machine{cpus: runtime.NumCPU(), model: "unknown", memory: "unknown", load: readLoad()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if kb := procField("/proc/meminfo", "MemTotal"); kb > 0 {
		m.memory = strconv.FormatFloat(float64(kb)/(1<<20), 'f', 1, 64) + " GiB"
	}
	m.goVer = strings.TrimSpace(output("go", "env", "GOVERSION"))
	m.os = strings.TrimSpace(output("uname", "-srm"))
	if pretty := osRelease(); pretty != "" {
		m.os = pretty + ", " + m.os
	}
	m.commit = strings.TrimSpace(output("git", "describe", "--always", "--dirty"))
	return m
}

func (m machine) summary() string {
	return strconv.Itoa(m.cpus) + " CPUs (" + m.model + "), " + m.memory + ", " + m.goVer + ", " + m.os
}

// readLoad returns /proc/loadavg's 1, 5 and 15 minute load averages.
func readLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func osRelease() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// procField returns a "Name: 1234 kB" field of a /proc file, in kB; 0 when
// it is missing.
func procField(path, name string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

func output(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return string(b)
}
