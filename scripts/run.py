print("make run: see issue 2")
