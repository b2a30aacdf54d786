// zlib, for reading tapes recorded with Content-Encoding gzip or deflate.
#include <zlib.h>
