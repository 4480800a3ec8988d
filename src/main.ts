console.log("main", process.argv.slice(2))
