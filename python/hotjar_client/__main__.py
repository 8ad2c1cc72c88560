"""``python -m hotjar_client``: the ``hotjar-client`` command line (see ``hotjar_client.cli``)."""

from hotjar_client.cli import console_main

if __name__ == "__main__":
    console_main()
