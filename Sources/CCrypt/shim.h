// libxcrypt: bcrypt verification for the exporter's basic_auth_users (`crypt_rn`), and a cheap
// salted digest to remember credentials already verified (`crypt_gensalt_rn`).
#include <crypt.h>
