// Linux epoll for the benchmark's load client: Swift's Glibc module leaves
// <sys/epoll.h> out, and poll(2) over 1,000 sockets costs the client more
// CPU than the server it is measuring.
#include <sys/epoll.h>
