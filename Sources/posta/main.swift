print("posta")
