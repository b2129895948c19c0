// What the Glibc module does not import: glibc's allocator controls (mallopt), and fstatfs with
// the filesystem magic numbers (to tell a mounted procfs from a copy of one).
#include <malloc.h>
#include <sys/vfs.h>
#include <linux/magic.h>
