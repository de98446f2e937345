# node-gyp build of the addon. Sources come from native/sources.json (shared with CMakeLists.txt).
# Each ISA's kernels are a static library with its own flags: one binary runs on every x86-64 CPU and
# picks the path at run time (native/dispatch/). Never -march=native.
{
  'target_defaults': {
    'cflags_cc!': ['-fno-exceptions', '-O2'],
    'cflags_cc': ['-std=c++17', '-O3', '-fexceptions', '-ffp-contract=off', '-fno-math-errno', '-Wall', '-Wextra', '-Wno-unused-parameter'],
    'cflags!': ['-O2'],
    'include_dirs': ['native'],
  },
  'targets': [
    {
      'target_name': 'octet_core',
      'type': 'static_library',
      'sources': ['<!@(node scripts/gyp-sources.cjs core)'],
    },
    {
      'target_name': 'octet',
      'sources': ['<!@(node scripts/gyp-sources.cjs addon)'],
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
        'octet_core',
      ],
      # A C++ exception node-addon-api cannot throw into JS (an environment shutting down) is dropped
      # instead of terminating the process.
      'defines': ['NAPI_VERSION=8', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS'],
      'conditions': [
        ['target_arch=="x64"', {'dependencies': ['octet_avx2', 'octet_avxvnni', 'octet_avx512vnni']}],
        ['target_arch=="arm64"', {'dependencies': ['octet_neon', 'octet_neondot']}],
      ],
    },
  ],
  'conditions': [
    ['target_arch=="x64"', {
      'targets': [
        {
          'target_name': 'octet_avx2',
          'type': 'static_library',
          'sources': ['<!@(node scripts/gyp-sources.cjs avx2)'],
          'cflags_cc': ['-mavx2', '-mfma'],
        },
        {
          'target_name': 'octet_avxvnni',
          'type': 'static_library',
          'sources': ['<!@(node scripts/gyp-sources.cjs avxvnni)'],
          'cflags_cc': ['-mavx2', '-mfma', '-mavxvnni'],
        },
        {
          'target_name': 'octet_avx512vnni',
          'type': 'static_library',
          'sources': ['<!@(node scripts/gyp-sources.cjs avx512vnni)'],
          'cflags_cc': ['-Wno-maybe-uninitialized', '-Wno-uninitialized', '-mavx2', '-mfma', '-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mavx512vnni'],
        },
      ],
    }],
    ['target_arch=="arm64"', {
      'targets': [
        {
          'target_name': 'octet_neon',
          'type': 'static_library',
          'sources': ['<!@(node scripts/gyp-sources.cjs neon)'],
        },
        {
          'target_name': 'octet_neondot',
          'type': 'static_library',
          'sources': ['<!@(node scripts/gyp-sources.cjs neondot)'],
          'cflags_cc': ['-march=armv8.2-a+dotprod'],
        },
      ],
    }],
  ],
}
