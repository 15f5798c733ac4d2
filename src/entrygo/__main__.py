from entrygo.cli import main

main()
