import sys

from importer.cli.main import main

sys.exit(main())
