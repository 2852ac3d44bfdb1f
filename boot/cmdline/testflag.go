package cmdline

// checkTestName checks the NAME of a test.NAME option and returns why
// it is wrong, or "". NAME is limited to [a-zA-Z0-9_.]+. That covers
// every flag of the testing package and keeps out '-', '=' and white
// space, which would change the flag's meaning once it is forwarded as
// -test.NAME.
func checkTestName(name string) string {
	if name == "" {
		return "missing flag name: want test.NAME or test.NAME=VALUE"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.':
		default:
			return "bad test flag name; NAME in test.NAME may hold only letters, digits, '_' and '.'"
		}
	}
	return ""
}
